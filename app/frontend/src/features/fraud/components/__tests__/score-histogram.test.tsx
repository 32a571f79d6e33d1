import { render, screen } from '@testing-library/react';
import { ScoreHistogram } from '../score-histogram';
import type { FraudDistribution } from '../../types';

const distribution = (overrides: Partial<FraudDistribution> = {}): FraudDistribution => ({
  range: { start: '2026-11-01', end: '2026-11-30' },
  threshold: 1,
  upper: 2,
  overflow: 0,
  bins: [
    { lower: 0, upper: 0.5, count: 10 },
    { lower: 0.5, upper: 1, count: 5 },
    { lower: 1, upper: 1.5, count: 2 },
    { lower: 1.5, upper: 2, count: 1 }
  ],
  ...overrides
});

describe('ScoreHistogram', () => {
  test('draws one bar per bin, taller for more attempts, the ones above the threshold marked', () => {
    render(<ScoreHistogram distribution={distribution()} />);
    const bars = screen.getAllByTestId('histogram-bar');
    const heights = bars.map((bar) => Number(bar.getAttribute('height')));
    expect(heights).toHaveLength(4);
    expect(heights[0]).toBeGreaterThan(heights[1] ?? 0);
    expect(heights[1]).toBeGreaterThan(heights[2] ?? 0);
    expect(bars.map((bar) => bar.hasAttribute('data-flagged'))).toEqual([false, false, true, true]);
  });

  test('marks the threshold halfway along when it is half the upper edge, and says so to screen readers', () => {
    render(<ScoreHistogram distribution={distribution({ overflow: 3 })} />);
    const line = screen.getByTestId('threshold-line').querySelector('line');
    const left = 44;
    const right = 640 - 16;
    expect(Number(line?.getAttribute('x1'))).toBeCloseTo(left + (right - left) / 2);
    expect(screen.getByRole('img')).toHaveAccessibleName(
      'Histogram of 21 fraud scores from 0 to 2.00; threshold 1.00, about 6 above it. 3 higher scores are not drawn.'
    );
    expect(screen.getByRole('table', { name: 'Score distribution' })).toBeInTheDocument();
  });

  test('has no threshold line without a threshold', () => {
    render(<ScoreHistogram distribution={distribution({ threshold: null })} />);
    expect(screen.queryByTestId('threshold-line')).not.toBeInTheDocument();
  });
});
