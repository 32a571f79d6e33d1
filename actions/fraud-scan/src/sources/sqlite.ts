import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { ConfigurationError } from '../../../shared/src/errors.js';
import { type AggregateSpec, aggregateQuery, sinceFilter } from '../features/aggregates.js';
import type { Row } from '../features/row.js';
import type { Source } from './source.js';
import { quotedTable } from './table-name.js';
import type { Since } from './watermark.js';

/** The part of node:sqlite used here (Node 20's type definitions do not have the module). */
interface SqliteModule {
  DatabaseSync: new (
    file: string,
    options?: { readOnly?: boolean }
  ) => {
    prepare(sql: string): {
      get(): unknown;
      all(): unknown[];
      iterate(...values: unknown[]): Iterable<unknown>;
    };
    close(): void;
  };
}

/**
 * A table in a SQLite file, read through Node's built-in node:sqlite (Node 22.5 or newer; the
 * action runs on Node 24) with a statement iterator, so rows stream instead of loading at once.
 * No native addon: nothing to compile, and the bundle stays one file.
 */
export class SqliteSource implements Source {
  readonly kind = 'sqlite' as const;
  readonly description: string;
  private db: InstanceType<SqliteModule['DatabaseSync']> | undefined;

  constructor(
    private readonly file: string,
    private readonly table: string
  ) {
    this.description = `SQLite table ${table} in ${file}`;
  }

  private open(): InstanceType<SqliteModule['DatabaseSync']> {
    if (this.db) return this.db;
    try {
      accessSync(this.file, constants.R_OK);
    } catch {
      throw new ConfigurationError(
        `Source SQLite file "${this.file}" does not exist or cannot be read.`
      );
    }
    let sqlite: SqliteModule;
    try {
      // createRequire keeps the bundler from resolving the module at build time.
      sqlite = createRequire(import.meta.url)('node:sqlite') as SqliteModule;
    } catch {
      throw new ConfigurationError(
        `SQLite sources need Node.js 22.5 or newer (built-in node:sqlite); this is Node.js ${process.versions.node}. Use Node 24 (as the action does), or export the table to CSV.`
      );
    }
    try {
      this.db = new sqlite.DatabaseSync(this.file, { readOnly: true });
      this.db.prepare('SELECT 1').get();
    } catch (error) {
      throw new ConfigurationError(
        `Source "${this.file}" is not a readable SQLite database: ${(error as Error).message}`
      );
    }
    return this.db;
  }

  columns(): Promise<string[]> {
    const db = this.open();
    const table = quotedTable(this.table);
    const info = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
    if (info.length === 0) {
      throw new ConfigurationError(`SQLite database "${this.file}" has no table "${this.table}".`);
    }
    return Promise.resolve(info.map((c) => c.name));
  }

  batches(size: number): AsyncIterable<Row[]> {
    return this.read(`SELECT * FROM ${quotedTable(this.table)} ORDER BY rowid`, size);
  }

  /**
   * One query: the rows and, beside each, its aggregates (SQLite groups in its temp store).
   * With `since`, the rows created since then or with a higher id, aggregates over the window
   * before it. Django keeps datetimes as text ("2026-03-01 12:00:00.123456"), which julianday()
   * reads, with or without a zone.
   */
  batchesWithAggregates(
    size: number,
    aggregates: readonly AggregateSpec[],
    since?: Since
  ): AsyncIterable<Row[]> {
    const { filter, values } = since
      ? sinceFilter('sqlite', since)
      : { filter: undefined, values: [] };
    return this.read(
      aggregateQuery('sqlite', quotedTable(this.table), 'rowid', aggregates, filter),
      size,
      values
    );
  }

  private async *read(sql: string, size: number, values: unknown[] = []): AsyncIterable<Row[]> {
    const db = this.open();
    await Promise.resolve(); // an async generator, like the other sources'
    let statement: ReturnType<typeof db.prepare>;
    try {
      statement = db.prepare(sql);
    } catch (error) {
      throw new ConfigurationError(`Cannot read ${this.description}: ${(error as Error).message}`);
    }
    let batch: Row[] = [];
    for (const row of statement.iterate(...values) as Iterable<Row>) {
      batch.push({ ...row });
      if (batch.length >= size) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  }

  close(): Promise<void> {
    this.db?.close();
    this.db = undefined;
    return Promise.resolve();
  }
}
