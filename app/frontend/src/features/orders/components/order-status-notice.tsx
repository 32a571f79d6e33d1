import { Alert } from '@/components/ui/alert';
import type { Order } from '@/types/api';

/**
 * What the buyer is told when an order is not simply on its way. The backend's `status_message`
 * wins when it has one (it words `review` itself); these are the words when it sends ''.
 * Cancelled: the only way an order gets there is a held order rejected by staff, which puts the
 * stock back and asks the gateway for a full refund (fraud/services.py order_review_reject). The
 * backend says whether that refund went through; these fallback words promise only that it will,
 * never that it has. Nothing here says why staff rejected it, and no action is asked of the buyer.
 */
const NOTICES: Partial<Record<Order['status'], { title: string; message: string }>> = {
  review: {
    title: 'Your payment is being checked',
    message:
      'Your payment went through and your order is placed. We check some payments before an order ships; ' +
      'it ships as soon as the check confirms it. You do not need to do anything.'
  },
  cancelled: {
    title: 'This order was cancelled',
    message:
      'We could not confirm the payment for this order, so we cancelled it and it will not ship. ' +
      'The full amount will be refunded to the card you paid with; you do not need to do anything.'
  }
};

/** A notice for an order in review or cancelled; nothing for the statuses that explain themselves. */
export function OrderStatusNotice({ order }: { order: Order }) {
  const notice = NOTICES[order.status];
  if (!notice) return null;
  return (
    <Alert tone="info" title={notice.title}>
      <p data-testid="order-status-message">{order.status_message || notice.message}</p>
    </Alert>
  );
}
