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
