import { useSearchParams } from 'react-router';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { notify } from '@/lib/notifications';
import { Pagination } from '@/components/ui/pagination';
import { PageTitle } from '@/components/ui/page-title';
import { Spinner } from '@/components/ui/spinner';
import { useDeliverOrder } from '@/features/orders/api/deliver-order';
import { useOrders } from '@/features/orders/api/get-orders';
import { OrderList } from '@/features/orders/components/order-list';

export default function StaffOrdersRoute() {
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page')) || 1);
  const orders = useOrders({ page, all: true });
  const deliver = useDeliverOrder();
  return (
    <>
      <PageTitle title="Manage orders" />
      {orders.isPending ? <Spinner /> : null}
      {orders.error ? <Alert>{orders.error.message}</Alert> : null}
      {deliver.error ? <Alert>{deliver.error.message}</Alert> : null}
      {orders.data?.results.length === 0 ? <p className="muted">No orders yet.</p> : null}
      {orders.data && orders.data.results.length > 0 ? (
        <>
          <OrderList
            orders={orders.data.results}
            showBuyer
            renderAction={(order) =>
              order.status === 'paid' ? (
                <Button
                  variant="secondary"
                  busy={deliver.isPending && deliver.variables === order.id}
                  onClick={() =>
                    deliver.mutateAsync(order.id).then(
                      () => notify(`Order #${order.id} marked delivered.`),
                      () => undefined
                    )
                  }
                >
                  Mark delivered
                </Button>
              ) : (
                <span className="muted">—</span>
              )
            }
          />
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
