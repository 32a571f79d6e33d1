/**
 * The perturbation benchmark's floors (src/research/bench/perturbation.ts; the full table, over several
 * seeds and magnitudes: `npm run fraud-scan -- perturbation-bench`). One seed per profile here,
 * small, to keep the suite fast. The seed is 5, one of the held-out seeds (4–6) the features
 * and the threshold rule were never tuned on (tuning used 1–3), and the floors sit a little
 * below what it measures, so a change that dilutes a single broken field again, hides a value
 * training never saw, or floods the held-out normal rows fails.
 */
import { describe, expect, it } from '@jest/globals';
import { type BenchResult, runPerturbationBench } from '../src/research/bench/perturbation.js';

const recall = (r: BenchResult, kinds?: string[]): number => {
  const ks = r.kinds.filter((k) => !kinds || kinds.includes(k.kind));
  const rows = ks.reduce((s, k) => s + k.rows, 0);
  return ks.reduce((s, k) => s + k.flagged, 0) / rows;
};
const meanRecall = (r: BenchResult): number =>
  r.kinds.reduce((s, k) => s + k.meanFlagged, 0) / r.kinds.reduce((s, k) => s + k.rows, 0);
const weakest = (r: BenchResult): number =>
  Math.min(...r.kinds.filter((k) => k.rows > 0).map((k) => k.flagged / k.rows));
const show = (r: BenchResult): string =>
  `${r.profile}: ${r.kinds.map((k) => `${k.kind} ${k.flagged}/${k.rows}`).join(', ')}; all ${(recall(r) * 100).toFixed(1)}% (mean-error score ${(meanRecall(r) * 100).toFixed(1)}%); held-out normal ${r.flaggedNormal}/${r.heldOutRows}`;

describe('perturbation benchmark (one seed per profile)', () => {
  it('transactions: a value no training row has in one column is caught, few held-out rows are flagged', async () => {
    const r = await runPerturbationBench({
      profile: 'transactions',
      seed: 5,
      magnitude: 1,
      accounts: 500,
      instancesPerKind: 10
    });
    process.stderr.write(`  ${show(r)}\n`);
    expect(r.heldOutRows).toBeGreaterThan(500);
    // Measured on seed 5 (500 accounts): every kind 100%, all kinds 100.0% against 13.4% for the
    // same network scored by its mean error, 2 of 546 held-out normal rows (0.4%). Seeds 4–6 at
    // 800 accounts, both magnitudes: 100% recall, FPR 0.4–1.7% (docs/benchmarks.md).
    expect(weakest(r)).toBeGreaterThanOrEqual(0.8);
    expect(recall(r)).toBeGreaterThanOrEqual(0.95);
    expect(recall(r) - meanRecall(r)).toBeGreaterThanOrEqual(0.5);
    expect(r.flaggedNormal / r.heldOutRows).toBeLessThanOrEqual(0.02);
  }, 240_000);

  it('stripemodel: card, expiry, address and cross-account perturbations are caught', async () => {
    const r = await runPerturbationBench({
      profile: 'stripemodel',
      seed: 5,
      magnitude: 1,
      accounts: 600,
      instancesPerKind: 10
    });
    process.stderr.write(`  ${show(r)}\n`);
    // Measured on seed 5 (600 accounts): every kind 100% (a name shared across accounts 44/44,
    // 1 of 30 before the counts were categories), 0 of 205 held-out normal rows. Seeds 4–6 at
    // 800 accounts, both magnitudes: 96.9–100% recall, FPR 0–1.0%. The mean-error score gains
    // from the same categories here (94.5%), so no margin over it is held.
    expect(weakest(r)).toBeGreaterThanOrEqual(0.8);
    expect(recall(r)).toBeGreaterThanOrEqual(0.95);
    expect(r.flaggedNormal / r.heldOutRows).toBeLessThanOrEqual(0.02);
  }, 240_000);
});
