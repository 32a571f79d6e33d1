/**
 * A feature profile turns rows of one table schema into model inputs. Cross-row features
 * (cards per user, attempts per card per hour, ...) need the whole table, so a scan reads the
 * source twice: first every row goes through the profile's aggregate, then each row is turned
 * into feature values with that aggregate in hand.
 */

export type Row = Record<string, unknown>;

export interface FeatureSpec {
  name: string;
  kind: 'numeric' | 'binary' | 'categorical';
  /** What it measures, for the README, the summary and the model file. */
  description: string;
}

/** One row's feature values, in the order of the profile's features, or why it is unusable. */
export type Extracted = { ok: true; values: (number | string)[] } | { ok: false; reason: string };

export interface Aggregate {
  add(row: Row): void;
}

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
  newAggregate(): Aggregate;
  extract(row: Row, aggregate: Aggregate): Extracted;
  publicFields(row: Row): PublicFields;
}

/** Text of a cell ('' for null/undefined; dates as ISO 8601), trimmed. */
export function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  return JSON.stringify(value) ?? '';
}

/** A finite number from a cell, or undefined for null, empty, non-numeric or infinite values. */
export function finiteNumber(value: unknown): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  const raw = text(value);
  if (raw === '') return undefined;
  const parsed = Number(raw);
  return Number.isFinite(parsed) ? parsed : undefined;
}

/**
 * A counter of distinct values per key (e.g. distinct cards per user). Most keys only ever see
 * one value, so that value is stored inline and a Set is made only for the second one — a
 * Set per key is what made memory grow fastest on large tables.
 */
export class DistinctCounter {
  private readonly values = new Map<string, string | Set<string>>();

  add(key: string, value: string): void {
    if (key === '' || value === '') return;
    const current = this.values.get(key);
    if (current === undefined) this.values.set(key, value);
    else if (typeof current === 'string') {
      if (current !== value) this.values.set(key, new Set([current, value]));
    } else current.add(value);
  }

  count(key: string): number {
    const current = this.values.get(key);
    if (current === undefined) return 0;
    return typeof current === 'string' ? 1 : current.size;
  }
}

/** A plain occurrence counter per key. */
export class Counter {
  private readonly counts = new Map<string, number>();

  add(key: string, by = 1): void {
    if (key === '') return;
    this.counts.set(key, (this.counts.get(key) ?? 0) + by);
  }

  count(key: string): number {
    return this.counts.get(key) ?? 0;
  }
}
