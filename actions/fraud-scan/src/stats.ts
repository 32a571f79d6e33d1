/** Descriptive statistics and ranking metrics over reconstruction errors. */

/** The q-quantile (0..1) with linear interpolation, as numpy.percentile does by default. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

export interface ErrorStats {
  count: number;
  mean: number;
  median: number;
  min: number;
  max: number;
  /** Population standard deviation (numpy's default). */
  std: number;
  p95: number;
  p99: number;
}

export function errorStats(values: ArrayLike<number>): ErrorStats {
  const n = values.length;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = n ? sum / n : Number.NaN;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += ((values[i] as number) - mean) ** 2;
  return {
    count: n,
    mean,
    median: quantile(values, 0.5),
    min: n ? min : Number.NaN,
    max: n ? max : Number.NaN,
    std: n ? Math.sqrt(sq / n) : Number.NaN,
    p95: quantile(values, 0.95),
    p99: quantile(values, 0.99)
  };
}

/** ROC-AUC: the chance a random positive scores above a random negative (ties count half). */
export function rocAuc(positives: ArrayLike<number>, negatives: ArrayLike<number>): number {
  const all = [
    ...Array.from(positives, (s) => ({ s, p: 1 })),
    ...Array.from(negatives, (s) => ({ s, p: 0 }))
  ].sort((a, b) => a.s - b.s);
  let rankSum = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && (all[j] as { s: number }).s === (all[i] as { s: number }).s) j++;
    const avgRank = (i + j + 1) / 2;
    for (let k = i; k < j; k++) if ((all[k] as { p: number }).p === 1) rankSum += avgRank;
    i = j;
  }
  const np = positives.length;
  const nn = negatives.length;
  return (rankSum - (np * (np + 1)) / 2) / (np * nn);
}

/** PR-AUC as average precision (the step-wise area scikit-learn's average_precision_score gives). */
export function prAuc(positives: ArrayLike<number>, negatives: ArrayLike<number>): number {
  const all = [
    ...Array.from(positives, (s) => ({ s, p: 1 })),
    ...Array.from(negatives, (s) => ({ s, p: 0 }))
  ].sort((a, b) => b.s - a.s);
  let tp = 0;
  let fp = 0;
  let ap = 0;
  let prevRecall = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && (all[j] as { s: number }).s === (all[i] as { s: number }).s) {
      if ((all[j] as { p: number }).p === 1) tp++;
      else fp++;
      j++;
    }
    const recall = tp / positives.length;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
    i = j;
  }
  return ap;
}

/** Share of values strictly above a threshold. */
export function shareAbove(values: ArrayLike<number>, threshold: number): number {
  let above = 0;
  for (let i = 0; i < values.length; i++) if ((values[i] as number) > threshold) above++;
  return values.length ? above / values.length : 0;
}
