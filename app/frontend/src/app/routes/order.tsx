import { Link, useParams, useSearchParams } from 'react-router';
import { Alert } from '@/components/ui/alert';
import { PageTitle } from '@/components/ui/page-title';
import { Spinner } from '@/components/ui/spinner';
import { paths } from '@/config/paths';
import { useOrder } from '@/features/orders/api/get-order';
import { OrderDetails } from '@/features/orders/components/order-details';

/** An order; right after checkout (`?placed=1`) it doubles as the confirmation page. */
export default function OrderRoute() {
  const id = Number(useParams().id);
  const [params] = useSearchParams();
  const placed = params.get('placed') === '1';
  const order = useOrder(id);
  return (
    <>
      <PageTitle
        title={placed ? 'Thank you for your order!' : `Order #${id}`}
        lead={
          placed && order.data
            ? `Order #${order.data.id} is paid. We will let you know when it is delivered.`
            : undefined
        }
      />
      {placed ? <Alert tone="success">Payment received — your order is confirmed.</Alert> : null}
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
