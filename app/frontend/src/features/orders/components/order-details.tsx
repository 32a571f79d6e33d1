import type { Order } from '@/types/api';
import { formatDate, formatMoney } from '@/utils/money';
import { OrderStatus } from './order-status';

/** One order: its lines, totals, billing address and card, and where it stands. */
export function OrderDetails({ order }: { order: Order }) {
  const address = order.billing_address;
  return (
    <div className="order-details">
      <div className="panel">
        <div className="panel-header">
          <h2>Items</h2>
          <OrderStatus status={order.status} />
        </div>
        <table className="lines-table">
          <caption className="visually-hidden">Items in order #{order.id}</caption>
          <thead>
            <tr>
              <th scope="col">Product</th>
              <th scope="col">Price</th>
              <th scope="col">Qty</th>
              <th scope="col">Total</th>
            </tr>
          </thead>
          <tbody>
            {order.items.map((item) => (
              <tr key={item.product_id}>
                <td>{item.name}</td>
                <td>{formatMoney(item.unit_price, order.currency)}</td>
                <td>{item.quantity}</td>
                <td>{formatMoney(item.line_total, order.currency)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={3}>
                Total
              </th>
              <td>{formatMoney(order.total, order.currency)}</td>
            </tr>
          </tfoot>
        </table>
      </div>
      <div className="order-facts">
        <div className="panel">
          <h2>Billing address</h2>
          {address ? (
            <address>
              {address.full_name}
              <br />
              {address.line1}
              {address.line2 ? (
                <>
                  <br />
                  {address.line2}
                </>
              ) : null}
              <br />
              {address.city}
              {address.state ? `, ${address.state}` : ''} {address.postal_code}
              <br />
              {address.country}
            </address>
          ) : null}
        </div>
        <div className="panel">
          <h2>Payment</h2>
          <p>
            {order.card
              ? `${order.card.brand.toUpperCase()} ending in ${order.card.last4}`
              : 'Card'}
          </p>
          <dl className="facts">
            <dt>Placed</dt>
            <dd>{formatDate(order.created_at)}</dd>
            {order.paid_at ? (
              <>
                <dt>Paid</dt>
                <dd>{formatDate(order.paid_at)}</dd>
              </>
            ) : null}
            {order.delivered_at ? (
              <>
                <dt>Delivered</dt>
                <dd>{formatDate(order.delivered_at)}</dd>
              </>
            ) : null}
          </dl>
        </div>
      </div>
    </div>
  );
}
