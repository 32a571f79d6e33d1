import { useEffect } from 'react';
import { Link, useParams } from 'react-router';
import { Alert } from '@/components/ui/alert';
import { Spinner } from '@/components/ui/spinner';
import { env } from '@/config/env';
import { paths } from '@/config/paths';
import { AddToCart } from '@/features/cart/components/add-to-cart';
import { useProduct } from '@/features/products/api/get-product';
import { ProductDetails } from '@/features/products/components/product-details';

export function ProductRoute() {
  const id = Number(useParams().id);
  const product = useProduct(id);

  useEffect(() => {
    if (product.data) document.title = `${product.data.name} · ${env.APP_NAME}`;
  }, [product.data]);

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to={paths.catalog}>Shop</Link>
        {product.data?.category ? (
          <>
            <span aria-hidden="true"> / </span>
            <Link to={`${paths.catalog}?category=${product.data.category.slug}`}>
              {product.data.category.name}
            </Link>
          </>
        ) : null}
      </nav>
      {product.isPending && Number.isInteger(id) ? <Spinner /> : null}
      {product.error || !Number.isInteger(id) ? (
        <>
          <h1 tabIndex={-1}>Product not found</h1>
          <Alert>{product.error?.message ?? 'That product does not exist.'}</Alert>
        </>
      ) : null}
      {product.data ? (
        <ProductDetails
          product={product.data}
          action={<AddToCart product={product.data} withQuantity />}
        />
      ) : null}
    </>
  );
}
