import type { Order } from '@/types/api';

const LABELS: Record<Order['status'], string> = {
  paid: 'Paid — preparing',
  delivered: 'Delivered'
};

export function OrderStatus({ status }: { status: Order['status'] }) {
  return <span className={`status status-${status}`}>{LABELS[status] ?? status}</span>;
}
