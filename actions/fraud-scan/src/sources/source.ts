import type { AggregateSpec } from '../features/aggregates.js';
import type { Row } from '../features/row.js';
import type { Since } from './watermark.js';

/**
 * Where transactions come from. A source is read in batches and can be read more than once
 * (a scan without database-side aggregates makes two passes), so memory does not grow with the table.
 */
export interface Source {
  /** For logs and reports; never carries a password. */
  readonly description: string;
  /** Short kind for the issue marker: csv, sqlite or postgres. */
  readonly kind: 'csv' | 'sqlite' | 'postgres';
  /** Column names, read without loading rows. */
  columns(): Promise<string[]>;
  /** The rows, `size` at a time. */
  batches(size: number): AsyncIterable<Row[]>;
  /**
   * The rows with the aggregates computed by the database in the same query, each in its
   * aggregateColumn(name) — one pass, and the scan's memory stays flat. Sources that cannot
   * leave it out; the scan then aggregates in memory over an extra pass. With `since`, only
   * the rows since a watermark, their aggregates counted over the window before it (the
   * table needs created_at and id columns).
   */
  batchesWithAggregates?(
    size: number,
    aggregates: readonly AggregateSpec[],
    since?: Since,
    /** Only these of the table's columns (those it has); every column when absent. */
    columns?: readonly string[],
    /**
     * In the table's order (as training needs: its sample and split follow the order rows
     * come in); otherwise a source may give them in whatever order it produces fastest.
     */
    ordered?: boolean
  ): AsyncIterable<Row[]>;
  /**
   * Where the last read with aggregates got them, for sources that choose (PostgreSQL): the
   * shop's running counts, key tables grouped first, or one window-function query.
   */
  readonly aggregatedBy?: AggregatedBy;
  close(): Promise<void>;
}

/** Where a database source got a read's cross-row aggregates (Source.aggregatedBy). */
export type AggregatedBy = 'tallies' | 'key tables' | 'one query';
