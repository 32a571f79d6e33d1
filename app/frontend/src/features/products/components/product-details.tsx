import type { ReactNode } from 'react';
import type { Product } from '@/types/api';
import { formatMoney } from '@/utils/money';
import { ProductImage } from './product-image';

type Props = { product: Product; action?: ReactNode; headingId?: string };

export function ProductDetails({ product, action, headingId }: Props) {
  return (
    <article className="product-details">
      <ProductImage
        src={product.image_url}
        alt={product.name}
        className="product-details-image"
        eager
      />
      <div className="product-details-body">
        {product.category ? <p className="product-card-category">{product.category.name}</p> : null}
        <h1 id={headingId} tabIndex={-1}>
          {product.name}
        </h1>
        <p className="price price-large">{formatMoney(product.price, product.currency)}</p>
        <p
          className={`stock ${product.in_stock ? (product.stock <= 5 ? 'stock-low' : 'stock-ok') : 'stock-out'}`}
        >
          {product.in_stock
            ? product.stock <= 5
              ? `Only ${product.stock} left in stock`
              : 'In stock'
            : 'Out of stock'}
        </p>
        {action}
        <div className="product-description">
          {product.description.split(/\n{2,}/).map((paragraph, i) => (
            <p key={i}>{paragraph}</p>
          ))}
        </div>
      </div>
    </article>
  );
}
