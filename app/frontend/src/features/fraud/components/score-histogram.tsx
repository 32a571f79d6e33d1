import type { FraudDistribution } from '../types';

const WIDTH = 640;
const HEIGHT = 240;
const MARGIN = { top: 16, right: 16, bottom: 36, left: 44 };

function formatScore(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/**
 * The score distribution as an SVG bar chart, the threshold drawn as a dashed line. Bars at or
 * above the threshold are in the alert colour. For screen readers the chart is an image with a
 * summary, and the same counts are in a table (visually hidden) below it.
 */
export function ScoreHistogram({ distribution }: { distribution: FraudDistribution }) {
  const { bins, threshold, upper, overflow } = distribution;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const highest = Math.max(1, ...bins.map((bin) => bin.count));
  const x = (score: number) => MARGIN.left + (Math.min(score, upper) / upper) * plotWidth;
  const y = (count: number) => MARGIN.top + plotHeight - (count / highest) * plotHeight;
  const total = bins.reduce((sum, bin) => sum + bin.count, 0) + overflow;
  const above =
    threshold === null
      ? 0
      : bins.filter((bin) => bin.lower >= threshold).reduce((sum, bin) => sum + bin.count, 0) +
        overflow;
  const summary =
    `Histogram of ${total} fraud scores from 0 to ${formatScore(upper)}` +
    (threshold === null ? '.' : `; threshold ${formatScore(threshold)}, about ${above} above it.`) +
    (overflow ? ` ${overflow} higher scores are not drawn.` : '');
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * upper);

  return (
    <figure className="fraud-histogram">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={summary}
        style={{ width: '100%', maxWidth: `${WIDTH}px`, height: 'auto' }}
        data-testid="score-histogram"
      >
        <line
          x1={MARGIN.left}
          x2={WIDTH - MARGIN.right}
          y1={MARGIN.top + plotHeight}
          y2={MARGIN.top + plotHeight}
          stroke="currentColor"
        />
        <text x={8} y={MARGIN.top + 8} fontSize="11" fill="currentColor">
          {highest}
        </text>
        {ticks.map((tick) => (
          <text
            key={tick}
            x={x(tick)}
            y={HEIGHT - 18}
            fontSize="11"
            textAnchor="middle"
            fill="currentColor"
          >
            {formatScore(tick)}
          </text>
        ))}
        <text
          x={MARGIN.left + plotWidth / 2}
          y={HEIGHT - 2}
          fontSize="11"
          textAnchor="middle"
          fill="currentColor"
        >
          fraud score
        </text>
        {bins.map((bin) => {
          const flagged = threshold !== null && bin.lower >= threshold;
          return (
            <rect
              key={bin.lower}
              data-testid="histogram-bar"
              data-flagged={flagged || undefined}
              x={x(bin.lower) + 0.5}
              y={y(bin.count)}
              width={Math.max(0, x(bin.upper) - x(bin.lower) - 1)}
              height={MARGIN.top + plotHeight - y(bin.count)}
              fill={flagged ? '#c0392b' : '#2e6da4'}
            >
              <title>{`${formatScore(bin.lower)}–${formatScore(bin.upper)}: ${bin.count}`}</title>
            </rect>
          );
        })}
        {threshold !== null && threshold <= upper ? (
          <g data-testid="threshold-line">
            <line
              x1={x(threshold)}
              x2={x(threshold)}
              y1={MARGIN.top}
              y2={MARGIN.top + plotHeight}
              stroke="#c0392b"
              strokeWidth="2"
              strokeDasharray="6 4"
            />
            {/* A white halo keeps the label readable where it crosses a (red) flagged bar. */}
            <text
              x={x(threshold) + 4}
              y={MARGIN.top + 10}
              fontSize="11"
              fill="#c0392b"
              stroke="#fff"
              strokeWidth="3"
              paintOrder="stroke"
            >
              threshold {formatScore(threshold)}
            </text>
          </g>
        ) : null}
      </svg>
      <figcaption className="muted">
        Scores above the dashed threshold are flagged.
        {overflow ? ` ${overflow} scores above ${formatScore(upper)} are not drawn.` : ''}
      </figcaption>
      <table className="visually-hidden">
        <caption>Score distribution</caption>
        <thead>
          <tr>
            <th scope="col">Scores</th>
            <th scope="col">Attempts</th>
          </tr>
        </thead>
        <tbody>
          {bins.map((bin) => (
            <tr key={bin.lower}>
              <td>{`${formatScore(bin.lower)} to ${formatScore(bin.upper)}`}</td>
              <td>{bin.count}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
