import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field, SelectField } from '@/components/ui/field';
import { PageTitle } from '@/components/ui/page-title';
import { Spinner } from '@/components/ui/spinner';
import { notify } from '@/lib/notifications';
import { useApproveOrder } from '@/features/fraud/api/approve-order';
import { useExportFraudCsv } from '@/features/fraud/api/export-fraud-csv';
import { useFraudDistribution } from '@/features/fraud/api/get-fraud-distribution';
import { useFraudFlags, useNewFraudFlags } from '@/features/fraud/api/get-fraud-flags';
import { useFraudSummary } from '@/features/fraud/api/get-fraud-summary';
import { useRejectOrder } from '@/features/fraud/api/reject-order';
import { FlagList } from '@/features/fraud/components/flag-list';
import { FraudSummaryPanel } from '@/features/fraud/components/fraud-summary-panel';
import { RetrainPanel } from '@/features/fraud/components/retrain-panel';
import { ScoreHistogram } from '@/features/fraud/components/score-histogram';
import type { FraudFilters } from '@/features/fraud/types';

/** YYYY-MM-DD of a UTC day `daysAgo` before today (the API's days are UTC days). */
function utcDay(daysAgo: number): string {
  return new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
}

export default function StaffFraudRoute() {
  const queryClient = useQueryClient();
  const [filters, setFilters] = useState<FraudFilters>(() => ({
    start: utcDay(29),
    end: utcDay(0),
    state: 'flagged'
  }));
  const [draft, setDraft] = useState(filters);
  const [announcement, setAnnouncement] = useState('');
  const range = { start: filters.start, end: filters.end };
  const summary = useFraudSummary(range);
  const distribution = useFraudDistribution(range);
  const flags = useFraudFlags(filters);
  const newFlags = useNewFraudFlags(filters, flags.data?.latest_id);
  const approve = useApproveOrder();
  const reject = useRejectOrder();
  const exportCsv = useExportFraudCsv();
  const rangeInvalid = !draft.start || !draft.end || draft.start > draft.end;

  const fresh = newFlags.data?.results.length ?? 0;
  useEffect(() => {
    if (fresh === 0) return;
    setAnnouncement(`${fresh} new flagged ${fresh === 1 ? 'attempt' : 'attempts'}.`);
    // Not the poll itself: it moves on once the list's latest_id has.
    for (const part of ['summary', 'distribution', 'flags'])
      void queryClient.invalidateQueries({ queryKey: ['fraud', part] });
  }, [fresh, newFlags.dataUpdatedAt, queryClient]);

  const busyOrderId = approve.isPending
    ? approve.variables
    : reject.isPending
      ? reject.variables?.orderId
      : undefined;
  const actionError = approve.error ?? reject.error;

  return (
    <>
      <PageTitle title="Fraud review" lead="Charges the fraud model flagged, and orders it held." />
      <form
        className="fraud-filters"
        aria-label="Date range"
        onSubmit={(event) => {
          event.preventDefault();
          if (!rangeInvalid) setFilters(draft);
        }}
      >
        <Field
          label="From"
          type="date"
          value={draft.start}
          max={draft.end}
          onChange={(event) => setDraft({ ...draft, start: event.target.value })}
          errors={rangeInvalid ? ['Choose a start on or before the end.'] : undefined}
        />
        <Field
          label="To"
          type="date"
          value={draft.end}
          min={draft.start}
          onChange={(event) => setDraft({ ...draft, end: event.target.value })}
        />
        <SelectField
          label="Show"
          value={draft.state}
          onChange={(event) =>
            setDraft({ ...draft, state: event.target.value === 'held' ? 'held' : 'flagged' })
          }
        >
          <option value="flagged">All flagged</option>
          <option value="held">Held orders only</option>
        </SelectField>
        <div className="button-row">
          <Button type="submit" disabled={rangeInvalid}>
            Show
          </Button>
          <Button
            variant="secondary"
            busy={exportCsv.isPending}
            disabled={rangeInvalid}
            onClick={() => exportCsv.mutate({ start: draft.start, end: draft.end })}
          >
            Export CSV
          </Button>
        </div>
      </form>
      {exportCsv.error ? <Alert>{exportCsv.error.message}</Alert> : null}
      <p role="status" aria-live="polite" className="muted" data-testid="new-flags">
        {announcement}
      </p>

      {summary.isPending ? <Spinner label="Loading the totals…" /> : null}
      {summary.error ? <Alert>{summary.error.message}</Alert> : null}
      {summary.data ? <FraudSummaryPanel summary={summary.data} /> : null}

      <section aria-labelledby="fraud-distribution">
        <h2 id="fraud-distribution">Score distribution</h2>
        {distribution.isPending ? <Spinner label="Loading the distribution…" /> : null}
        {distribution.error ? <Alert>{distribution.error.message}</Alert> : null}
        {distribution.data ? <ScoreHistogram distribution={distribution.data} /> : null}
      </section>

      <section aria-labelledby="fraud-flags">
        <h2 id="fraud-flags">{filters.state === 'held' ? 'Held orders' : 'Flagged attempts'}</h2>
        {actionError ? <Alert>{actionError.message}</Alert> : null}
        {flags.isPending ? <Spinner label="Loading flagged attempts…" /> : null}
        {flags.error ? <Alert>{flags.error.message}</Alert> : null}
        {flags.data?.results.length === 0 ? (
          <p className="muted">Nothing flagged in this range.</p>
        ) : null}
        {flags.data && flags.data.results.length > 0 ? (
          <FlagList
            flags={flags.data.results}
            busyOrderId={busyOrderId}
            onApprove={(orderId) =>
              approve.mutateAsync(orderId).then(
                () => notify(`Order #${orderId} approved: it can be delivered.`),
                () => undefined
              )
            }
            onReject={(orderId, reason) =>
              reject.mutateAsync({ orderId, data: { reason } }).then(
                (order) =>
                  notify(
                    order.refunded
                      ? `Order #${orderId} rejected: stock put back and the charge refunded.`
                      : `Order #${orderId} rejected and stock put back; the refund failed — refund it by hand.`
                  ),
                () => undefined
              )
            }
          />
        ) : null}
      </section>

      <RetrainPanel />
    </>
  );
}
