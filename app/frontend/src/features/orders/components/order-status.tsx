import type { OrderStatusValue } from '@/types/api';

// Record over the whole union: a status added to the type without a label fails `tsc`.
const LABELS: Record<OrderStatusValue, string> = {
  paid: 'Paid — preparing',
  review: 'Payment being checked',
  delivered: 'Delivered',
  cancelled: 'Cancelled'
};

export function OrderStatus({ status }: { status: OrderStatusValue }) {
  return <span className={`status status-${status}`}>{LABELS[status] ?? status}</span>;
}
