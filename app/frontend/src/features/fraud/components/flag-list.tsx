import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { formatDate, formatMoney } from '@/utils/money';
import type { FraudFlag } from '../types';

type Props = {
  flags: FraudFlag[];
  onApprove: (orderId: number) => void;
  onReject: (orderId: number, reason: string) => void;
  /** The order whose decision is being sent, if any. */
  busyOrderId?: number | undefined;
};

function drivers(flag: FraudFlag): string {
  if (!flag.drivers?.length) return '—';
  return flag.drivers.map((d) => `${d.feature} (${Math.round(d.share * 100)}%)`).join(', ');
}

function decision(flag: FraudFlag): string {
  if (flag.review) return flag.review.decision === 'approved' ? 'Approved' : 'Rejected';
  if (flag.order_status === 'review') return 'Held for review';
  return flag.order_id ? `Flagged (order ${flag.order_status})` : `Flagged (${flag.status})`;
}

function RejectForm({
  flag,
  busy,
  onReject,
  onCancel
}: {
  flag: FraudFlag;
  busy: boolean;
  onReject: (reason: string) => void;
  onCancel: () => void;
}) {
  const [reason, setReason] = useState('');
  return (
    <form
      className="fraud-reject-form"
      onSubmit={(event) => {
        event.preventDefault();
        onReject(reason);
      }}
    >
      <label htmlFor={`reject-reason-${flag.id}`}>Reason (optional)</label>
      <input
        id={`reject-reason-${flag.id}`}
        value={reason}
        maxLength={500}
        onChange={(event) => setReason(event.target.value)}
      />
      <Button type="submit" variant="danger" busy={busy}>
        Confirm reject of order #{flag.order_id}
      </Button>
      <Button variant="ghost" onClick={onCancel}>
        Keep held
      </Button>
    </form>
  );
}

/** Flagged attempts with their driving features; held orders get approve and reject buttons. */
export function FlagList({ flags, onApprove, onReject, busyOrderId }: Props) {
  const [rejecting, setRejecting] = useState<number | null>(null);
  return (
    <table className="order-table fraud-flags">
      <caption className="visually-hidden">Flagged charge attempts</caption>
      <thead>
        <tr>
          <th scope="col">Attempt</th>
          <th scope="col">When</th>
          <th scope="col">Buyer</th>
          <th scope="col">Amount</th>
          <th scope="col">Score</th>
          <th scope="col">Driving features</th>
          <th scope="col">State</th>
          <th scope="col">Action</th>
        </tr>
      </thead>
      <tbody>
        {flags.map((flag) => {
          const held = flag.order_id !== null && flag.order_status === 'review' && !flag.review;
          const busy = busyOrderId === flag.order_id;
          return (
            <tr key={flag.id} data-testid="flag-row">
              <td data-label="Attempt">
                #{flag.id}
                {flag.order_id ? ` · order #${flag.order_id}` : ''}
              </td>
              <td data-label="When">{formatDate(flag.created_at)}</td>
              <td data-label="Buyer">
                {flag.billing_name ?? flag.user_email ?? '—'}
                <span className="muted">
                  {' '}
                  {[flag.billing_city, flag.billing_country].filter(Boolean).join(', ')} ·{' '}
                  {flag.card_brand} {flag.card_last4 ? `…${flag.card_last4}` : ''}
                </span>
              </td>
              <td data-label="Amount">{formatMoney(flag.amount, flag.currency)}</td>
              <td data-label="Score">
                {flag.fraud_score.toFixed(2)}
                <span className="muted"> / {flag.fraud_threshold.toFixed(2)}</span>
              </td>
              <td data-label="Driving features">{drivers(flag)}</td>
              <td data-label="State">{decision(flag)}</td>
              <td data-label="Action">
                {held && flag.order_id !== null ? (
                  rejecting === flag.order_id ? (
                    <RejectForm
                      flag={flag}
                      busy={busy}
                      onReject={(reason) => onReject(flag.order_id as number, reason)}
                      onCancel={() => setRejecting(null)}
                    />
                  ) : (
                    <div className="button-row">
                      <Button
                        variant="secondary"
                        busy={busy}
                        onClick={() => onApprove(flag.order_id as number)}
                      >
                        Approve order #{flag.order_id}
                      </Button>
                      <Button
                        variant="danger"
                        disabled={busy}
                        onClick={() => setRejecting(flag.order_id)}
                      >
                        Reject order #{flag.order_id}
                      </Button>
                    </div>
                  )
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
