import pg from 'pg';
import Cursor from 'pg-cursor';
import { ConfigurationError } from '../../../shared/src/errors.js';
import {
  type AggregateSpec,
  aggregateQuery,
  postgresTablePlan,
  sinceFilter,
  type TablePlan
} from '../features/aggregates.js';
import type { Row } from '../features/row.js';
import {
  postgresTalliedTablePlan,
  postgresTallyPlan,
  TALLIES_USABLE
} from '../features/tallies.js';
import { type CopyField, copyRows, copyStatement, withLiterals } from './pg-binary-copy.js';
import type { AggregatedBy, Source } from './source.js';
import { quotedTable } from './table-name.js';
import type { Since } from './watermark.js';

/**
 * A PostgreSQL table, ordered by id, read so that the scan's memory stays flat however large the
 * table grows: plain rows through a server-side cursor (pg-cursor), `size` at a time; rows with
 * their cross-row aggregates in chunks of CHUNK_ROWS, the aggregates grouped first by the server
 * (batchesWithAggregates), each chunk sent by binary COPY and decoded by pg-binary-copy.ts into
 * the values pg's query path would give.
 */
export class PostgresSource implements Source {
  readonly kind = 'postgres' as const;
  readonly description: string;
  /**
   * How the last read with aggregates got them: from the shop's running counts, from key
   * tables grouped first, or from one window-function query (no TEMP privilege).
   */
  aggregatedBy: AggregatedBy | undefined;

  constructor(
    private readonly url: string,
    private readonly table: string,
    private readonly orderBy = 'id',
    /** Rows per chunk of a read with aggregates (CHUNK_ROWS; tests make it small). */
    private readonly chunkRows = CHUNK_ROWS
  ) {
    let where = 'PostgreSQL';
    try {
      const u = new URL(url);
      where = `PostgreSQL ${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
    } catch {
      // Not a URL (e.g. a key=value string): say nothing more rather than risk echoing a password.
    }
    this.description = `${where} table ${table}`;
  }

  private async connect(): Promise<pg.Client> {
    // Big integers and numerics arrive as text by default; the features parse them.
    const client = new pg.Client({
      connectionString: this.url,
      connectionTimeoutMillis: 15_000,
      types: { getTypeParser: typeParser }
    });
    try {
      await client.connect();
    } catch (error) {
      throw new ConfigurationError(
        `Cannot connect to the PostgreSQL source: ${(error as Error).message}`
      );
    }
    return client;
  }

  async columns(): Promise<string[]> {
    const client = await this.connect();
    try {
      return await this.columnsOn(client);
    } catch (error) {
      throw new ConfigurationError(
        `Cannot read table "${this.table}": ${(error as Error).message}`
      );
    } finally {
      await client.end();
    }
  }

  batches(size: number): AsyncIterable<Row[]> {
    return this.read(
      `SELECT * FROM ${quotedTable(this.table)} ORDER BY ${quotedTable(this.orderBy)}`,
      size
    );
  }

  /**
   * The rows and, beside each, its aggregates: computed first into TEMP tables, one per key,
   * then the rows read `CHUNK_ROWS` at a time in id order joined to them (postgresTablePlan),
   * so the scan works on one chunk while the server makes the next. With `since`, the rows
   * created since then or with a higher id, their aggregates over the window before it (the
   * shop's created_at index serves both ranges). A role that may not create TEMP tables (or a
   * read-only standby) gets the same rows from one query (aggregateQuery): every aggregate a
   * window function, no row sent before the last sort ends.
   */
  batchesWithAggregates(
    size: number,
    aggregates: readonly AggregateSpec[],
    since?: Since,
    columns?: readonly string[]
  ): AsyncIterable<Row[]> {
    const { filter, values } = since ? sinceFilter('pg', since) : { filter: undefined, values: [] };
    const table = quotedTable(this.table);
    const orderBy = quotedTable(this.orderBy);
    // The shop's running counts hold the aggregates over every row: a night whose window is
    // the whole table reads them for its new rows, a full read copies its key tables from them,
    // instead of grouping the table.
    const tallies = !since
      ? postgresTalliedTablePlan(table, orderBy, aggregates)
      : since.contextFrom === null
        ? postgresTallyPlan(table, orderBy, aggregates, filter)
        : undefined;
    return this.readInChunks(
      { tallies, tables: postgresTablePlan(table, orderBy, aggregates, filter) },
      aggregateQuery('pg', table, orderBy, aggregates, filter),
      size,
      values,
      columns
    );
  }

  /** The table's column names, read on a connected client. */
  private async columnsOn(client: pg.Client): Promise<string[]> {
    const result = await client.query(`SELECT * FROM ${quotedTable(this.table)} LIMIT 0`);
    return result.fields.map((f) => f.name);
  }

  private async *readInChunks(
    plans: { tallies?: TablePlan; tables: TablePlan },
    fallback: string,
    size: number,
    values: unknown[],
    wanted?: readonly string[]
  ): AsyncIterable<Row[]> {
    const client = await this.connect();
    let open = false;
    const fail = (error: unknown): never => {
      throw new ConfigurationError(`Cannot read ${this.description}: ${(error as Error).message}`);
    };
    let pending: Promise<Row[]> | undefined;
    try {
      // One snapshot for the aggregates and every chunk, as one query would have.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ').catch(fail);
      open = true;
      let plan = plans.tables;
      if (plans.tallies) {
        const usable = await client
          .query<{ usable: boolean }>(TALLIES_USABLE, [quotedTable(this.table)])
          .catch(fail);
        if (usable.rows[0]?.usable) plan = plans.tallies;
      }
      this.aggregatedBy = plan === plans.tallies ? 'tallies' : 'key tables';
      try {
        for (const step of plan.setup) {
          await client.query(step.sql, step.parameterised ? values : []);
        }
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code !== TEMP_REFUSED && code !== READ_ONLY) fail(error);
        await client.query('ROLLBACK');
        open = false;
        this.aggregatedBy = 'one query';
        yield* this.readWith(client, fallback, size, values);
        return;
      }
      // Only the columns the scan reads that the table has (the order column always: the next
      // chunk starts after the last row's).
      const columns = (await this.columnsOn(client).catch(fail)).filter(
        (c) => !wanted || c === this.orderBy || wanted.includes(c)
      );
      let bound: unknown;
      if (plan.firstOrder) {
        const { sql, parameterised } = plan.firstOrder;
        bound = (await client.query<{ min: unknown }>(sql, parameterised ? values : []).catch(fail))
          .rows[0]?.min;
        if (bound === null || bound === undefined) return;
      }
      const parameters = (from: unknown): unknown[] =>
        from === undefined ? values : [...values, from];
      // The chunks' columns and types, from the first chunk's statement planned but not run:
      // they decide how each column is sent and decoded (pg-binary-copy.ts).
      const fields: CopyField[] = (
        await client
          .query(
            `SELECT * FROM (${plan.chunk(columns, false, values.length, this.chunkRows)}) AS q LIMIT 0`,
            parameters(bound)
          )
          .catch(fail)
      ).fields;
      const chunk = (after: boolean, from: unknown): Promise<Row[]> => {
        const sql = withLiterals(
          plan.chunk(columns, after, values.length, this.chunkRows),
          parameters(from),
          (text) => client.escapeLiteral(text)
        );
        return copyRows(client, copyStatement(sql, fields, this.orderBy), fields, typeParser).catch(
          fail
        );
      };
      pending = chunk(false, bound);
      for (;;) {
        const rows: Row[] = await pending;
        pending = undefined;
        if (rows.length === this.chunkRows) {
          // The next chunk is asked for before this one is handed over, so the server joins
          // and sorts it while the scan scores this one.
          pending = chunk(true, orderValue(rows[rows.length - 1] as Row, this.orderBy));
          // Settled in `finally` if the consumer stops early; no unhandled rejection meanwhile.
          pending.catch(() => undefined);
        }
        // Handed over a batch at a time and let go of, so a scored batch can be collected
        // while the rest of its chunk waits.
        while (rows.length > 0) yield rows.splice(0, size);
        if (!pending) break;
      }
    } finally {
      if (pending) await pending.catch(() => undefined);
      if (open) await client.query('COMMIT').catch(() => undefined);
      await client.end();
    }
  }

  private async *read(sql: string, size: number, values: unknown[] = []): AsyncIterable<Row[]> {
    const client = await this.connect();
    try {
      yield* this.readWith(client, sql, size, values);
    } finally {
      await client.end();
    }
  }

  /** One query's rows through a server-side cursor, `size` at a time, on a connected client. */
  private async *readWith(
    client: pg.Client,
    sql: string,
    size: number,
    values: unknown[]
  ): AsyncIterable<Row[]> {
    const cursor = client.query(new Cursor(sql, values));
    // The next batch is asked for before this one is handed over, so the server produces it
    // while the scan scores this one (a profile of a 200,000-row scan: Node idle 72% of the
    // time, waiting for the server).
    const next = (): Promise<Row[]> =>
      (cursor.read(size) as Promise<Row[]>).catch((error: unknown) => {
        throw new ConfigurationError(
          `Cannot read ${this.description}: ${(error as Error).message}`
        );
      });
    let pending: Promise<Row[]> | undefined = next();
    try {
      for (;;) {
        const rows: Row[] = await pending;
        pending = undefined;
        if (rows.length === 0) break;
        pending = next();
        // Settled in `finally` if the consumer stops early; no unhandled rejection meanwhile.
        pending.catch(() => undefined);
        yield rows;
      }
    } finally {
      if (pending) await pending.catch(() => undefined);
      await cursor.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {}
}

const TIMESTAMPTZ = 1184;
const defaultTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ, 'text') as (
  value: string
) => unknown;
/** "2026-01-01 00:00:02+00" or with a fraction of up to 6 digits: a UTC instant. */
const UTC_INSTANT = /^[1-9]\d{3}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?\+00$/;

/**
 * pg's timestamptz parser, with a fast path for what a UTC session sends: the same arithmetic
 * (Date.UTC with the fraction as 1000 × its value), one regular expression instead of four and
 * a split (pg's parser was 0.7 s of a 1,000,000-row scan). Anything else, pg's own parser.
 */
export function parseTimestamptz(value: string): unknown {
  const fraction = UTC_INSTANT.exec(value);
  if (!fraction) return defaultTimestamptz(value);
  const n = (from: number, to: number): number => Number(value.slice(from, to));
  return new Date(
    Date.UTC(
      n(0, 4),
      n(5, 7) - 1,
      n(8, 10),
      n(11, 13),
      n(14, 16),
      n(17, 19),
      fraction[1] ? 1000 * parseFloat(fraction[1]) : 0
    )
  );
}

/** The parser pg is given for each type: pg's own, with parseTimestamptz for timestamptz. */
export function typeParser(oid: number, format?: string): (value: string) => unknown {
  if (oid === TIMESTAMPTZ && format !== 'binary') return parseTimestamptz;
  return pg.types.getTypeParser(oid, format as 'text') as (value: string) => unknown;
}

/**
 * Rows per chunk of a read with aggregates: the scan holds two chunks (the one it scores and
 * the next, arriving), and each chunk costs the server one build of the key tables' hash tables.
 */
const CHUNK_ROWS = 25_000;
/** SQLSTATEs after which a read falls back to one query: no TEMP privilege, a read-only server. */
const TEMP_REFUSED = '42501';
const READ_ONLY = '25006';

/**
 * A row's order value, to ask for the rows after it: an integer (bigint as text) or text key.
 * Anything else (a Date loses microseconds) could skip rows, so it is refused.
 */
function orderValue(row: Row, column: string): string | number {
  const value = row[column];
  if (typeof value === 'string' || typeof value === 'number') return value;
  throw new Error(`order column ${column} must be an integer or text key`);
}
