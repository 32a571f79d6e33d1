import { useState } from 'react';
import { notify } from '@/lib/notifications';
import type { Product } from '@/types/api';
import { cartStore, MAX_PER_LINE, useCart } from '../stores/cart-store';

type Props = { product: Product; withQuantity?: boolean };

/** "Add to cart", optionally with a quantity picker; announces what happened in the live region. */
export function AddToCart({ product, withQuantity = false }: Props) {
  const { lines } = useCart();
  const [quantity, setQuantity] = useState(1);
  const inCart = lines.find((line) => line.productId === product.id)?.quantity ?? 0;
  const room = Math.min(product.stock, MAX_PER_LINE) - inCart;

  if (!product.in_stock || product.stock <= 0) {
    return (
      <button type="button" className="button button-secondary" disabled>
        Out of stock
      </button>
    );
  }

  function add() {
    const before = inCart;
    const after = cartStore.add(
      {
        productId: product.id,
        name: product.name,
        price: product.price,
        currency: product.currency,
        imageUrl: product.image_url,
        stock: product.stock
      },
      quantity
    );
    const added = after - before;
    notify(
      added > 0
        ? `Added ${added} × ${product.name} to your cart.`
        : `You already have all ${after} available of ${product.name} in your cart.`,
      added > 0 ? 'success' : 'info'
    );
    setQuantity(1);
  }

  return (
    <div className="add-to-cart">
      {withQuantity ? (
        <div className="field field-inline">
          <label htmlFor={`qty-${product.id}`}>Quantity</label>
          <select
            id={`qty-${product.id}`}
            value={quantity}
            onChange={(event) => setQuantity(Number(event.target.value))}
            disabled={room <= 0}
          >
            {Array.from({ length: Math.max(1, room) }, (_, i) => i + 1).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      <button type="button" className="button button-primary" onClick={add} disabled={room <= 0}>
        {room <= 0 ? 'All in your cart' : 'Add to cart'}
        {/* The product's name completes the button's name in a grid of identical buttons, after
            the visible text so speech input ("click Add to cart") still matches (WCAG 2.5.3). */}
        {withQuantity ? null : <span className="visually-hidden"> {product.name}</span>}
      </button>
    </div>
  );
}
