import { Link, useSearchParams } from 'react-router';
import { Alert } from '@/components/ui/alert';
import { Pagination } from '@/components/ui/pagination';
import { PageTitle } from '@/components/ui/page-title';
import { Spinner } from '@/components/ui/spinner';
import { paths } from '@/config/paths';
import { useOrders } from '@/features/orders/api/get-orders';
import { OrderList } from '@/features/orders/components/order-list';

export default function OrdersRoute() {
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page')) || 1);
  const orders = useOrders({ page });
  return (
    <>
      <PageTitle title="My orders" />
      {orders.isPending ? <Spinner /> : null}
      {orders.error ? <Alert>{orders.error.message}</Alert> : null}
      {orders.data?.results.length === 0 ? (
        <div className="empty-state">
          <p>You have not placed an order yet.</p>
          <Link to={paths.catalog} className="button button-primary">
            Start shopping
          </Link>
        </div>
      ) : null}
      {orders.data && orders.data.results.length > 0 ? (
        <>
          <OrderList orders={orders.data.results} />
          <Pagination
            page={orders.data.page}
            pages={orders.data.num_pages}
            onChange={(next) => setParams({ page: String(next) })}
          />
        </>
      ) : null}
    </>
  );
}
