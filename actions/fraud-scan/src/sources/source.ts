import type { Row } from '../profile.js';

/**
 * Where transactions come from. A source is read in batches and can be read more than once
 * (a scan makes two passes), so memory does not grow with the table.
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
  close(): Promise<void>;
}
