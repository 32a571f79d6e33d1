import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { paths } from '@/config/paths';
import type { Product } from '@/types/api';
import { formatMoney } from '@/utils/money';
import { ProductImage } from './product-image';

type Props = { product: Product; action?: ReactNode; eagerImage?: boolean };

export function ProductCard({ product, action, eagerImage }: Props) {
  return (
    <article className="product-card" data-testid="product-card">
      <Link to={paths.product(product.id)} className="product-card-link">
        <ProductImage src={product.image_url} alt="" eager={eagerImage ?? false} />
        <div className="product-card-body">
          {product.category ? (
            <p className="product-card-category">{product.category.name}</p>
          ) : null}
          <h2 className="product-card-name">{product.name}</h2>
        </div>
      </Link>
      <div className="product-card-footer">
        <p className="price">{formatMoney(product.price, product.currency)}</p>
        {product.in_stock ? (
          product.stock <= 5 ? (
            <p className="stock stock-low">Only {product.stock} left</p>
          ) : null
        ) : (
          <p className="stock stock-out">Out of stock</p>
        )}
      </div>
      {action ? <div className="product-card-action">{action}</div> : null}
    </article>
  );
}
