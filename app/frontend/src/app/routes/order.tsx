import { Link, useParams, useSearchParams } from 'react-router';
import { Alert } from '@/components/ui/alert';
import { PageTitle } from '@/components/ui/page-title';
import { Spinner } from '@/components/ui/spinner';
import { paths } from '@/config/paths';
import { useOrder } from '@/features/orders/api/get-order';
import { OrderDetails } from '@/features/orders/components/order-details';
import { OrderStatusNotice } from '@/features/orders/components/order-status-notice';
import type { Order } from '@/types/api';

/** The confirmation's lead: an order held for review is placed and paid, not confirmed yet. */
function placedLead(order: Order): string {
  return order.status === 'review'
    ? `Order #${order.id} is placed and paid.`
    : `Order #${order.id} is paid. We will let you know when it is delivered.`;
}

/** An order; right after checkout (`?placed=1`) it doubles as the confirmation page. */
export default function OrderRoute() {
  const id = Number(useParams().id);
  const [params] = useSearchParams();
  const placed = params.get('placed') === '1';
  const order = useOrder(id);
  const status = order.data?.status;
  const confirmed = status === 'paid' || status === 'delivered';
  // A cancelled order (rejected by staff) is no longer something to thank anyone for, even on
  // a confirmation link opened again later.
  const thanks = placed && status !== 'cancelled';
  return (
    <>
      <PageTitle
        title={thanks ? 'Thank you for your order!' : `Order #${id}`}
        lead={thanks && order.data ? placedLead(order.data) : undefined}
      />
      {placed && confirmed ? (
        <Alert tone="success">Payment received — your order is confirmed.</Alert>
      ) : null}
      {order.data ? <OrderStatusNotice order={order.data} /> : null}
      {order.isPending ? <Spinner /> : null}
      {order.error ? <Alert>{order.error.message}</Alert> : null}
      {order.data ? <OrderDetails order={order.data} /> : null}
      <p className="form-footer">
        <Link to={paths.orders}>All my orders</Link> ·{' '}
        <Link to={paths.catalog}>Continue shopping</Link>
      </p>
    </>
  );
}
