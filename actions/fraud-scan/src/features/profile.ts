import type { Aggregate, AggregateSpec, AggregateView } from './aggregates.js';
import type { Row } from './row.js';

/**
 * A feature profile turns rows of one table schema into model inputs. Cross-row features
 * (cards per user, attempts per card per hour, ...) need the whole table: a database source
 * (PostgreSQL, SQLite) computes them in the query that reads the rows; a CSV file is read
 * twice, first through the profile's in-memory aggregate, then turned into feature values.
 */

export interface FeatureSpec {
  name: string;
  kind: 'numeric' | 'binary' | 'categorical';
  /** What it measures, for the README, the summary and the model file. */
  description: string;
}

/** One row's feature values, in the order of the profile's features, or why it is unusable. */
export type Extracted = { ok: true; values: (number | string)[] } | { ok: false; reason: string };

/** Fields of a row that may appear in reports and issues: never a name, email or full card number. */
export type PublicFields = Record<string, string>;

export interface FeatureProfile {
  name: 'stripemodel' | 'transactions';
  /** Bumped when features change, so an older model file is refused instead of misread. */
  version: number;
  description: string;
  /** The table a database source reads by default. */
  defaultTable: string;
  idColumn: string;
  requiredColumns: readonly string[];
  /**
   * Every column the scan reads of a row (extract, publicFields, the issues' cluster keys, the
   * watermark), those present of which are all a database source needs to send; none: every
   * column. __tests__/structure.test.ts holds it to what those read.
   */
  columnsRead?: readonly string[];
  features: readonly FeatureSpec[];
  /** The cross-row aggregates `extract` reads, declared so a database can compute them. */
  aggregates: readonly AggregateSpec[];
  /**
   * At most `rows` training rows per key of this count aggregate (a seeded sample of the
   * rest), so a burst from one account — card testing is exactly that — cannot teach the
   * model that the burst is normal.
   */
  trainingCap?: { aggregate: string; rows: number };
  /** An in-memory aggregate over `aggregates`, for sources read twice. */
  newAggregate(): Aggregate;
  extract(row: Row, aggregates: AggregateView): Extracted;
  publicFields(row: Row): PublicFields;
}

/**
 * A count as a category: exact up to 8, then powers of two ("9-16", "17-32", ...). As a number
 * (log), an IP shared by 5 accounts sits a fraction of a standard deviation beyond a household
 * of 3 and the network reconstructs it; as a category, a count no training row reached is a
 * value training never saw, scored by its own "(new value)" unit, while the buckets keep the
 * number of categories small on a large table.
 */
export function countBucket(n: number): string {
  if (n <= 8) return integerText(Math.max(0, n));
  let upper = 16;
  while (n > upper) upper *= 2;
  return `${upper / 2 + 1}-${upper}`;
}

/**
 * A number as String gives it, the small integers made once: every row scanned has several
 * (counts, an hour, an amount's band), and a new string for each was garbage to collect.
 */
export function integerText(n: number): string {
  return INTEGER_TEXT[n + INTEGER_TEXT_OFFSET] ?? String(n);
}
const INTEGER_TEXT_OFFSET = 64;
const INTEGER_TEXT = Array.from({ length: 2 * INTEGER_TEXT_OFFSET + 1 }, (_, i) =>
  String(i - INTEGER_TEXT_OFFSET)
);

/**
 * A 1 / 0 / 0.5 consistency check (address.ts) as a category: "match", "mismatch", "unknown".
 * As a number, a mismatch where training had only matches and unknowns sits inside the range the
 * network reconstructs; as a category it is a value training never saw.
 */
export function matchText(value: number): string {
  return value === 1 ? 'match' : value === 0 ? 'mismatch' : 'unknown';
}
