import { ConfigurationError } from '../../shared/src/errors.js';
import { type Detector, type Driver, scoreFeatureRows } from './model/detector.js';
import { type AggregateView, columnAggregates } from './features/aggregates.js';
import type { FeatureProfile, PublicFields } from './features/profile.js';
import type { Row } from './features/row.js';
import { text } from './features/row.js';
import { SeededRandom } from './numeric/rng.js';
import type { Source } from './sources/source.js';
import type { MarkTracker, Since } from './sources/watermark.js';
import {
  type Histogram,
  StreamingErrorStats,
  StreamingHistogram,
  type StreamStats,
  TopK
} from './numeric/stats.js';

/** Progress callbacks for the CLI's progress line; the action logs every few batches instead. */
export interface Progress {
  (phase: 'aggregate' | 'train-read' | 'score', rows: number): void;
}

/** Rows that could not be used, counted by reason (nulls, non-numeric, infinite values). */
export type InvalidCounts = Record<string, number>;

/** Refuse a source that lacks columns the profile needs, naming them. */
export async function checkColumns(source: Source, profile: FeatureProfile): Promise<void> {
  const columns = new Set(await source.columns());
  const missing = profile.requiredColumns.filter((c) => !columns.has(c));
  if (missing.length > 0) {
    throw new ConfigurationError(
      `${source.description} lacks column(s) the "${profile.name}" profile needs: ${missing.join(', ')}.`
    );
  }
}

/** A batch of rows with the aggregates their features read. */
interface AggregatedBatch {
  rows: Row[];
  aggregates: AggregateView;
}

/**
 * The source's rows with their cross-row aggregates: computed by the database in the same
 * query when the source can (one pass, flat memory), otherwise in memory over a first pass.
 * `ordered`: in the table's order, where the database would otherwise give them as it joins
 * them.
 */
async function* aggregatedBatches(
  source: Source,
  profile: FeatureProfile,
  options: { batchSize: number; progress?: Progress; since?: Since; ordered?: boolean }
): AsyncIterable<AggregatedBatch> {
  const { batchSize, progress, since, ordered = false } = options;
  let rows = 0;
  if (since && !source.batchesWithAggregates) {
    throw new Error(`${source.description} cannot be scanned incrementally`);
  }
  if (source.batchesWithAggregates) {
    for await (const batch of source.batchesWithAggregates(
      batchSize,
      profile.aggregates,
      since,
      profile.columnsRead,
      ordered
    )) {
      rows += batch.length;
      yield { rows: batch, aggregates: columnAggregates };
    }
  } else {
    const aggregate = profile.newAggregate();
    for await (const batch of source.batches(batchSize)) {
      for (const row of batch) aggregate.add(row);
      rows += batch.length;
      progress?.('aggregate', rows);
    }
    if (rows > 0) {
      for await (const batch of source.batches(batchSize))
        yield { rows: batch, aggregates: aggregate };
    }
  }
  // A night without new rows is a quiet night, not an error.
  if (rows === 0 && !since) {
    throw new ConfigurationError(`${source.description} is empty: nothing to scan.`);
  }
}

/**
 * Training rows: every usable row's feature values, or a seeded uniform sample of `maxRows`
 * of them (reservoir sampling), so training memory is bounded however big the table is.
 */
export async function readTrainingRows(
  source: Source,
  profile: FeatureProfile,
  options: { batchSize: number; maxRows: number; seed: number; progress?: Progress }
): Promise<{
  rows: (number | string)[][];
  total: number;
  invalid: InvalidCounts;
  /** Usable rows left out by the profile's per-account cap. */
  capped: number;
}> {
  await checkColumns(source, profile);
  const random = new SeededRandom(options.seed);
  const capRandom = new SeededRandom(options.seed + 1);
  const cap = profile.trainingCap;
  let capped = 0;
  const sample: (number | string)[][] = [];
  const invalid: InvalidCounts = {};
  let seen = 0;
  let total = 0;
  // In the table's order: the sample, and then the model, must not depend on how the database
  // chose to join the rows this time.
  for await (const batch of aggregatedBatches(source, profile, {
    batchSize: options.batchSize,
    progress: options.progress,
    ordered: true
  })) {
    for (const row of batch.rows) {
      total++;
      const extracted = profile.extract(row, batch.aggregates);
      if (!extracted.ok) {
        invalid[extracted.reason] = (invalid[extracted.reason] ?? 0) + 1;
        continue;
      }
      if (cap) {
        const n = batch.aggregates.count(cap.aggregate, row);
        if (n > cap.rows && capRandom.next() * n >= cap.rows) {
          capped++;
          continue;
        }
      }
      seen++;
      if (sample.length < options.maxRows) sample.push(extracted.values);
      else {
        const j = Math.floor(random.next() * seen);
        if (j < options.maxRows) sample[j] = extracted.values;
      }
    }
    options.progress?.('train-read', total);
  }
  if (sample.length === 0) {
    throw new ConfigurationError(
      `${source.description} has no usable rows to train on (${describeInvalid(invalid)}).`
    );
  }
  return { rows: sample, total, invalid, capped };
}

export interface Flagged {
  id: string;
  score: number;
  fields: PublicFields;
  drivers: Driver[];
  /** What links it to other rows (card, account, IP), from ScanOptions.clusterKeys. */
  keys?: string[];
}

export interface ScanResult {
  rows: number;
  scored: number;
  invalid: InvalidCounts;
  invalidRows: number;
  /** Statistics of every scored row's error (quantiles from a sample on large tables). */
  errors: StreamStats;
  histogram: Histogram;
  /** Rows above the threshold. */
  flaggedCount: number;
  /** The highest-scoring flagged rows, highest first (`topN` of them). */
  top: Flagged[];
  /** The highest-scoring flagged rows not yet reported (`candidates` of them), highest first. */
  unreported: Flagged[];
  /** Flagged rows not yet reported, in all (`unreported` holds the first of them). */
  unreportedCount: number;
  /** Flagged rows that already have an issue. */
  reportedCount: number;
  threshold: number;
  seconds: number;
}

export interface ScanOptions {
  batchSize: number;
  progress?: Progress;
  /** How many of the top flagged rows to keep for the summary (default 10). */
  topN?: number;
  /** How many not-yet-reported flagged rows to keep for issues (default 0). */
  candidates?: number;
  /** Whether a transaction id already has an issue. */
  isReported?: (id: string) => boolean;
  /** Receives every flagged row as it is found (the CSV report). */
  onFlagged?: (f: Flagged) => void;
  /** Keys linking a flagged row to others (issues group rows by card, account or IP). */
  clusterKeys?: (row: Row) => string[];
  /** Only the rows since a watermark (database sources). */
  since?: Since;
  /** Sees every row read, to make the next watermark. */
  tracker?: MarkTracker;
}

/** A created_at cell in ms: Date from PostgreSQL, text from SQLite (UTC when it has no zone). */
export function cellInstant(value: unknown): number | undefined {
  if (value instanceof Date) return Number.isFinite(value.getTime()) ? value.getTime() : undefined;
  const raw = text(value);
  if (raw === '') return undefined;
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(raw) ? raw : `${raw}Z`;
  const ms = Date.parse(zoned.replace(' ', 'T'));
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * Score every usable row in batches. Memory does not grow with the table: errors go into
 * streaming statistics and a fixed-edge histogram, flagged rows to `onFlagged` and two
 * bounded top lists.
 */
export async function scanSource(
  detector: Detector,
  source: Source,
  options: ScanOptions
): Promise<ScanResult> {
  const started = performance.now();
  const profile = detector.profile;
  await checkColumns(source, profile);
  const stats = new StreamingErrorStats();
  const hist = new StreamingHistogram(detector.threshold);
  const top = new TopK<Flagged>(options.topN ?? 10);
  const unreported = new TopK<Flagged>(options.candidates ?? 0);
  let scored = 0;
  let rows = 0;
  let flaggedCount = 0;
  let reportedCount = 0;
  const invalid: InvalidCounts = {};
  const skip = options.since?.skipIds;
  const tracker = options.tracker;
  for await (const batch of aggregatedBatches(source, profile, {
    batchSize: options.batchSize,
    progress: options.progress,
    since: options.since
  })) {
    const values: (number | string)[][] = [];
    const kept: Row[] = [];
    let read = 0;
    for (const row of batch.rows) {
      if (skip?.size || tracker) {
        const id = text(row[profile.idColumn]);
        // Read again inside the watermark's overlap margin, and scanned last time.
        if (skip?.has(id)) continue;
        tracker?.see(id, cellInstant(row.created_at));
      }
      read++;
      const extracted = profile.extract(row, batch.aggregates);
      if (extracted.ok) {
        values.push(extracted.values);
        kept.push(row);
      } else {
        invalid[extracted.reason] = (invalid[extracted.reason] ?? 0) + 1;
      }
    }
    rows += read;
    if (values.length > 0) {
      const result = scoreFeatureRows(detector, values);
      result.errors.forEach((score, i) => {
        stats.add(score);
        hist.add(score);
        if (score <= detector.threshold) return;
        flaggedCount++;
        const row = kept[i] as Row;
        const f: Flagged = {
          id: text(row[profile.idColumn]),
          score,
          fields: profile.publicFields(row),
          drivers: result.drivers(i),
          keys: options.clusterKeys?.(row)
        };
        options.onFlagged?.(f);
        top.add(f);
        if (options.isReported?.(f.id)) reportedCount++;
        else unreported.add(f);
      });
      scored += values.length;
    }
    options.progress?.('score', rows);
  }
  const invalidRows = Object.values(invalid).reduce((a, b) => a + b, 0);
  return {
    rows,
    scored,
    invalid,
    invalidRows,
    errors: stats.stats(),
    histogram: hist.result(),
    flaggedCount,
    top: top.sorted(),
    unreported: unreported.sorted(),
    unreportedCount: flaggedCount - reportedCount,
    reportedCount,
    threshold: detector.threshold,
    seconds: (performance.now() - started) / 1000
  };
}

/** "3 × amount is not a finite number, 1 × created_at is not a timestamp" */
export function describeInvalid(invalid: InvalidCounts): string {
  const parts = Object.entries(invalid).map(([reason, n]) => `${n} × ${reason}`);
  return parts.length ? parts.join(', ') : 'no unusable rows';
}
