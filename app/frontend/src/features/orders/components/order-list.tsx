import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { paths } from '@/config/paths';
import type { Order } from '@/types/api';
import { formatDate, formatMoney } from '@/utils/money';
import { OrderStatus } from './order-status';

type Props = { orders: Order[]; renderAction?: (order: Order) => ReactNode; showBuyer?: boolean };

/** A table of orders (responsive: rows become cards on narrow screens). */
export function OrderList({ orders, renderAction, showBuyer = false }: Props) {
  return (
    <table className="order-table">
      <caption className="visually-hidden">Orders</caption>
      <thead>
        <tr>
          <th scope="col">Order</th>
          <th scope="col">Placed</th>
          {showBuyer ? <th scope="col">Billed to</th> : null}
          <th scope="col">Items</th>
          <th scope="col">Total</th>
          <th scope="col">Status</th>
          {renderAction ? <th scope="col">Action</th> : null}
        </tr>
      </thead>
      <tbody>
        {orders.map((order) => (
          <tr key={order.id} data-testid="order-row">
            <td data-label="Order">
              <Link to={paths.order(order.id)}>#{order.id}</Link>
            </td>
            <td data-label="Placed">{formatDate(order.created_at)}</td>
            {showBuyer ? <td data-label="Billed to">{order.billing_address?.full_name}</td> : null}
            <td data-label="Items">
              {order.items.map((item) => `${item.quantity} × ${item.name}`).join(', ')}
            </td>
            <td data-label="Total">{formatMoney(order.total, order.currency)}</td>
            <td data-label="Status">
              <OrderStatus status={order.status} />
            </td>
            {renderAction ? <td data-label="Action">{renderAction(order)}</td> : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
