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

/** `ErrorStats` of a stream, and whether its quantiles come from a sample. */
export interface StreamStats extends ErrorStats {
  /** True when the stream outgrew the sample: median, p95 and p99 are estimates. */
  estimated: boolean;
  sampleSize: number;
}

/**
 * Statistics of a stream of errors in fixed memory: count, mean, standard deviation (Welford),
 * min and max are exact; the quantiles come from a seeded uniform sample (reservoir) of
 * `sampleSize` errors, exact while the stream is no longer than that.
 */
export class StreamingErrorStats {
  private n = 0;
  private mean = 0;
  private m2 = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  private readonly sample: Float64Array;
  private state: number;

  constructor(
    readonly sampleSize = 100_000,
    seed = 1
  ) {
    this.sample = new Float64Array(sampleSize);
    this.state = seed >>> 0 || 1;
  }

  add(value: number): void {
    this.n++;
    const delta = value - this.mean;
    this.mean += delta / this.n;
    this.m2 += delta * (value - this.mean);
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.n <= this.sampleSize) this.sample[this.n - 1] = value;
    else {
      const j = Math.floor(this.random() * this.n);
      if (j < this.sampleSize) this.sample[j] = value;
    }
  }

  stats(): StreamStats {
    const kept = this.sample.subarray(0, Math.min(this.n, this.sampleSize));
    return {
      count: this.n,
      mean: this.n ? this.mean : Number.NaN,
      median: quantile(kept, 0.5),
      min: this.n ? this.min : Number.NaN,
      max: this.n ? this.max : Number.NaN,
      std: this.n ? Math.sqrt(this.m2 / this.n) : Number.NaN,
      p95: quantile(kept, 0.95),
      p99: quantile(kept, 0.99),
      estimated: this.n > this.sampleSize,
      sampleSize: kept.length
    };
  }

  /** xorshift32: enough for a reservoir, and the same every run. */
  private random(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 4_294_967_296;
  }
}

/** The `k` highest-scoring items of a stream (a min-heap), highest first on `sorted()`. */
export class TopK<T extends { score: number }> {
  private readonly heap: T[] = [];

  constructor(readonly k: number) {}

  /** Whether an item with this score would be kept (so callers can skip building it). */
  wouldKeep(score: number): boolean {
    return this.k > 0 && (this.heap.length < this.k || score > (this.heap[0] as T).score);
  }

  add(item: T): void {
    if (!this.wouldKeep(item.score)) return;
    if (this.heap.length < this.k) {
      this.heap.push(item);
      this.up(this.heap.length - 1);
    } else {
      this.heap[0] = item;
      this.down(0);
    }
  }

  sorted(): T[] {
    return [...this.heap].sort((a, b) => b.score - a.score);
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((h[parent] as T).score <= (h[i] as T).score) break;
      [h[parent], h[i]] = [h[i] as T, h[parent] as T];
      i = parent;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let least = i;
      if (l < h.length && (h[l] as T).score < (h[least] as T).score) least = l;
      if (r < h.length && (h[r] as T).score < (h[least] as T).score) least = r;
      if (least === i) return;
      [h[least], h[i]] = [h[i] as T, h[least] as T];
      i = least;
    }
  }
}

/** Histogram bins whose edges put the threshold exactly on a bin boundary. */
export interface Histogram {
  /** Bin edges; the last is Infinity (the top bin is open-ended). */
  edges: number[];
  counts: number[];
  /** Index of the first bin above the threshold. */
  firstFlaggedBin: number;
}

/** Multiples of the threshold where the bins above it start: how far past it a row lies. */
const ABOVE_MULTIPLES = [1, 1.25, 1.5, 2, 3, 5, 10, 20, 50];

/**
 * A histogram filled one error at a time with edges fixed in advance (equal bins up to the
 * threshold, then multiples of it), so it is exact and takes no more memory for a billion rows
 * than for ten.
 */
export class StreamingHistogram {
  private readonly edges: number[];
  private readonly counts: number[];

  constructor(
    private readonly threshold: number,
    private readonly below = 12
  ) {
    this.edges = [
      ...Array.from({ length: below }, (_, i) => (threshold * i) / below),
      ...ABOVE_MULTIPLES.map((m) => threshold * m),
      Number.POSITIVE_INFINITY
    ];
    this.counts = new Array<number>(this.edges.length - 1).fill(0);
  }

  add(error: number): void {
    let bin: number;
    if (error <= this.threshold) {
      bin = Math.max(
        0,
        Math.min(this.below - 1, Math.floor((error / this.threshold) * this.below))
      );
    } else {
      bin = this.below;
      while (bin + 1 < this.counts.length && error > (this.edges[bin + 1] as number)) bin++;
    }
    this.counts[bin] = (this.counts[bin] as number) + 1;
  }

  result(): Histogram {
    return { edges: [...this.edges], counts: [...this.counts], firstFlaggedBin: this.below };
  }
}

export function histogram(errors: ArrayLike<number>, threshold: number): Histogram {
  const h = new StreamingHistogram(threshold);
  for (let i = 0; i < errors.length; i++) h.add(errors[i] as number);
  return h.result();
}

/**
 * The q-quantile of positive values after setting aside the far-out ones by Tukey's rule on
 * their logarithms (above Q3 + 3 × IQR) — unless more than `maxShare` of them are that far
 * out, which says more about the distribution's shape than about a few strays, or the IQR is
 * zero. A few fraud rows among a few hundred held-out rows decide an empirical p99; this
 * reading of the same rows ignores them and otherwise equals it.
 */
export function fencedQuantile(
  values: ArrayLike<number>,
  q: number,
  maxShare = 0.05
): { value: number; setAside: number } {
  const logs = Float64Array.from(values, (v) => Math.log(Math.max(v, Number.MIN_VALUE)));
  const q1 = quantile(logs, 0.25);
  const q3 = quantile(logs, 0.75);
  const fence = q3 + 3 * (q3 - q1);
  const kept: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if ((logs[i] as number) <= fence) kept.push(values[i] as number);
  }
  const setAside = values.length - kept.length;
  if (q3 === q1 || setAside === 0 || setAside > maxShare * values.length) {
    return { value: quantile(values, q), setAside: 0 };
  }
  return { value: quantile(kept, q), setAside };
}
