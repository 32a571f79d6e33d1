import { ConfigurationError } from '../../shared/src/errors.js';
import { type Detector, type Driver, scoreFeatureRows } from './detector.js';
import type { Aggregate, FeatureProfile, PublicFields, Row } from './profile.js';
import { text } from './profile.js';
import { SeededRandom } from './rng.js';
import type { Source } from './sources/source.js';

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

/** First pass: the cross-row aggregates (cards per user, attempts per card per hour, ...). */
export async function aggregateSource(
  source: Source,
  profile: FeatureProfile,
  batchSize: number,
  progress?: Progress
): Promise<{ aggregate: Aggregate; rows: number }> {
  const aggregate = profile.newAggregate();
  let rows = 0;
  for await (const batch of source.batches(batchSize)) {
    for (const row of batch) aggregate.add(row);
    rows += batch.length;
    progress?.('aggregate', rows);
  }
  if (rows === 0) throw new ConfigurationError(`${source.description} is empty: nothing to scan.`);
  return { aggregate, rows };
}

/**
 * Training rows: every usable row's feature values, or a seeded uniform sample of `maxRows`
 * of them (reservoir sampling), so training memory is bounded however big the table is.
 */
export async function readTrainingRows(
  source: Source,
  profile: FeatureProfile,
  options: { batchSize: number; maxRows: number; seed: number; progress?: Progress }
): Promise<{ rows: (number | string)[][]; total: number; invalid: InvalidCounts }> {
  await checkColumns(source, profile);
  const { aggregate } = await aggregateSource(source, profile, options.batchSize, options.progress);
  const random = new SeededRandom(options.seed);
  const sample: (number | string)[][] = [];
  const invalid: InvalidCounts = {};
  let seen = 0;
  let total = 0;
  for await (const batch of source.batches(options.batchSize)) {
    for (const row of batch) {
      total++;
      const extracted = profile.extract(row, aggregate);
      if (!extracted.ok) {
        invalid[extracted.reason] = (invalid[extracted.reason] ?? 0) + 1;
        continue;
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
  return { rows: sample, total, invalid };
}

export interface Flagged {
  id: string;
  score: number;
  fields: PublicFields;
  drivers: Driver[];
}

export interface ScanResult {
  rows: number;
  scored: number;
  invalid: InvalidCounts;
  invalidRows: number;
  /** Every scored row's error, in scan order (4 bytes a row). */
  errors: Float32Array;
  flagged: Flagged[];
  threshold: number;
  seconds: number;
}

/** Second pass: score every usable row in batches; keep the errors and the flagged rows. */
export async function scanSource(
  detector: Detector,
  source: Source,
  options: { batchSize: number; progress?: Progress; onFlagged?: (f: Flagged) => void }
): Promise<ScanResult> {
  const started = performance.now();
  const profile = detector.profile;
  await checkColumns(source, profile);
  const { aggregate } = await aggregateSource(source, profile, options.batchSize, options.progress);
  let errors = new Float32Array(1024);
  let scored = 0;
  let rows = 0;
  const invalid: InvalidCounts = {};
  const flagged: Flagged[] = [];
  for await (const batch of source.batches(options.batchSize)) {
    const values: (number | string)[][] = [];
    const kept: Row[] = [];
    for (const row of batch) {
      const extracted = profile.extract(row, aggregate);
      if (extracted.ok) {
        values.push(extracted.values);
        kept.push(row);
      } else {
        invalid[extracted.reason] = (invalid[extracted.reason] ?? 0) + 1;
      }
    }
    rows += batch.length;
    if (values.length > 0) {
      const result = scoreFeatureRows(detector, values);
      if (scored + values.length > errors.length) {
        const grown = new Float32Array(Math.max(errors.length * 2, scored + values.length));
        grown.set(errors.subarray(0, scored));
        errors = grown;
      }
      errors.set(result.errors, scored);
      result.errors.forEach((score, i) => {
        if (score <= detector.threshold) return;
        const row = kept[i] as Row;
        const f: Flagged = {
          id: text(row[profile.idColumn]),
          score,
          fields: profile.publicFields(row),
          drivers: result.drivers(i)
        };
        flagged.push(f);
        options.onFlagged?.(f);
      });
      scored += values.length;
    }
    options.progress?.('score', rows);
  }
  flagged.sort((a, b) => b.score - a.score);
  const invalidRows = Object.values(invalid).reduce((a, b) => a + b, 0);
  return {
    rows,
    scored,
    invalid,
    invalidRows,
    errors: errors.slice(0, scored),
    flagged,
    threshold: detector.threshold,
    seconds: (performance.now() - started) / 1000
  };
}

/** "3 × amount is not a finite number, 1 × created_at is not a timestamp" */
export function describeInvalid(invalid: InvalidCounts): string {
  const parts = Object.entries(invalid).map(([reason, n]) => `${n} × ${reason}`);
  return parts.length ? parts.join(', ') : 'no unusable rows';
}
