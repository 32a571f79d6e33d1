import type { FraudSummary } from '../types';

function figure(value: number | null): string {
  return value === null ? '—' : value.toFixed(3);
}

/** Totals and score statistics of the range, as two description lists. */
export function FraudSummaryPanel({ summary }: { summary: FraudSummary }) {
  const { totals, statistics } = summary;
  const rows: [string, string | number][] = [
    ['Scored', totals.scored],
    ['Flagged', totals.flagged],
    ['Held', totals.held],
    ['Awaiting review', totals.awaiting_review],
    ['Approved', totals.approved],
    ['Rejected', totals.rejected]
  ];
  const stats: [string, string | number][] = [
    ['Scores', statistics.count],
    ['Mean', figure(statistics.mean)],
    ['Median (p50)', figure(statistics.p50)],
    ['p95', figure(statistics.p95)],
    ['p99', figure(statistics.p99)],
    ['Threshold', figure(statistics.threshold)]
  ];
  return (
    <div className="fraud-summary">
      <section aria-labelledby="fraud-totals">
        <h2 id="fraud-totals">Totals</h2>
        <dl className="fraud-figures">
          {rows.map(([label, value]) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      </section>
      <section aria-labelledby="fraud-statistics">
        <h2 id="fraud-statistics">Score statistics</h2>
        <dl className="fraud-figures">
          {stats.map(([label, value]) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
        <p className="muted">
          Mode: {summary.mode}.{' '}
          {summary.scoring_enabled
            ? 'Scoring is on.'
            : 'Scoring is off: no usable model is loaded.'}
        </p>
      </section>
    </div>
  );
}
