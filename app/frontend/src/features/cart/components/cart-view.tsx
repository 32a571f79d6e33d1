import { Link } from 'react-router';
import { paths } from '@/config/paths';
import { formatMoney, toCents } from '@/utils/money';
import { MAX_PER_LINE, useCart, type CartLine } from '../stores/cart-store';

type Props = { onCheckout: () => void; unavailable?: number[] };

/** The cart page's contents: lines with quantity and remove controls, and the subtotal. */
export function CartView({ onCheckout, unavailable = [] }: Props) {
  const { lines, count, subtotal, currency, store } = useCart();

  if (lines.length === 0) {
    return (
      <div className="empty-state">
        <p>Your cart is empty.</p>
        <Link to={paths.catalog} className="button button-primary">
          Browse the catalog
        </Link>
      </div>
    );
  }

  return (
    <div className="cart-layout">
      <ul className="cart-lines" aria-label="Items in your cart">
        {lines.map((line) => (
          <CartLineRow
            key={line.productId}
            line={line}
            unavailable={unavailable.includes(line.productId)}
            onQuantity={(quantity) => store.setQuantity(line.productId, quantity)}
            onRemove={() => store.remove(line.productId)}
          />
        ))}
      </ul>
      <aside className="summary-card" aria-label="Order summary">
        <h2>Summary</h2>
        <dl className="summary-rows">
          <div>
            <dt>Items</dt>
            <dd>{count}</dd>
          </div>
          <div className="summary-total">
            <dt>Subtotal</dt>
            <dd data-testid="cart-subtotal">{formatMoney(subtotal, currency)}</dd>
          </div>
        </dl>
        <p className="muted">Prices are confirmed at checkout.</p>
        <button type="button" className="button button-primary button-block" onClick={onCheckout}>
          Proceed to checkout
        </button>
      </aside>
    </div>
  );
}

type RowProps = {
  line: CartLine;
  unavailable: boolean;
  onQuantity: (quantity: number) => void;
  onRemove: () => void;
};

function CartLineRow({ line, unavailable, onQuantity, onRemove }: RowProps) {
  const max = Math.min(line.stock, MAX_PER_LINE);
  const inputId = `cart-qty-${line.productId}`;
  return (
    <li className={`cart-line ${unavailable ? 'cart-line-problem' : ''}`}>
      {line.imageUrl ? (
        <img src={line.imageUrl} alt="" className="cart-line-image" />
      ) : (
        <div className="cart-line-image placeholder" aria-hidden="true" />
      )}
      <div className="cart-line-info">
        <Link to={paths.product(line.productId)} className="cart-line-name">
          {line.name}
        </Link>
        <p className="muted">{formatMoney(line.price, line.currency)} each</p>
        {unavailable ? (
          <p className="field-error">Not enough stock for this quantity any more.</p>
        ) : null}
      </div>
      <div className="cart-line-qty">
        <label htmlFor={inputId} className="visually-hidden">
          Quantity of {line.name}
        </label>
        <div className="stepper">
          <button
            type="button"
            aria-label={`One fewer ${line.name}`}
            onClick={() => onQuantity(line.quantity - 1)}
          >
            −
          </button>
          <input
            id={inputId}
            type="number"
            inputMode="numeric"
            min={1}
            max={max}
            value={line.quantity}
            onChange={(event) => {
              const value = Number(event.target.value);
              if (Number.isFinite(value) && value >= 1) onQuantity(value);
            }}
          />
          <button
            type="button"
            aria-label={`One more ${line.name}`}
            disabled={line.quantity >= max}
            onClick={() => onQuantity(line.quantity + 1)}
          >
            +
          </button>
        </div>
      </div>
      <p className="cart-line-total">
        {formatMoney(toCents(line.price) * line.quantity, line.currency)}
      </p>
      <button
        type="button"
        className="button button-ghost"
        onClick={onRemove}
        aria-label={`Remove ${line.name} from cart`}
      >
        Remove
      </button>
    </li>
  );
}
