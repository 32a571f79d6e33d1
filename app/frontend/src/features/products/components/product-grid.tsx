import type { ReactNode } from 'react';
import type { Product } from '@/types/api';
import { ProductCard } from './product-card';

type Props = {
  products: Product[];
  renderAction?: (product: Product) => ReactNode;
  busy?: boolean;
};

/** The catalog's grid; `renderAction` lets the page add a cart button without this feature knowing the cart. */
export function ProductGrid({ products, renderAction, busy = false }: Props) {
  return (
    <ul className="product-grid" aria-busy={busy || undefined} aria-label="Products">
      {products.map((product, index) => (
        <li key={product.id}>
          <ProductCard product={product} action={renderAction?.(product)} eagerImage={index < 4} />
        </li>
      ))}
    </ul>
  );
}
