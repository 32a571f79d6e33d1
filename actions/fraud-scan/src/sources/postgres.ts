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
import { type CopyField, copyBatches, copyStatement, withLiterals } from './pg-binary-copy.js';
import type { AggregatedBy, Source } from './source.js';
import { quotedTable } from './table-name.js';
import type { Since } from './watermark.js';

/**
 * A PostgreSQL table, read so that the scan's memory stays flat however large the table grows:
 * plain rows in id order through a server-side cursor (pg-cursor), `size` at a time; rows with
 * their cross-row aggregates (batchesWithAggregates) from one statement joining them to key
 * tables made first, streamed by binary COPY as the scan takes them and decoded by
 * pg-binary-copy.ts into the values pg's query path would give.
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
    private readonly orderBy = 'id'
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
   * then every row joined to them in one statement (postgresTablePlan), streamed so that the
   * server joins rows while the scan scores those before: `ordered`, in id order (sorted by
   * the server first), else in the order the server produces them. With `since`, the rows
   * created since then or with a higher id, their aggregates over the window before it (the
   * shop's created_at index serves both ranges). A role that may not create TEMP tables (or a
   * read-only standby) gets the same rows from one query (aggregateQuery): every aggregate a
   * window function, no row sent before the last sort ends.
   */
  batchesWithAggregates(
    size: number,
    aggregates: readonly AggregateSpec[],
    since?: Since,
    columns?: readonly string[],
    ordered = false
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
    return this.readJoined(
      { tallies, tables: postgresTablePlan(table, orderBy, aggregates, filter) },
      aggregateQuery('pg', table, orderBy, aggregates, filter),
      size,
      values,
      columns,
      ordered
    );
  }

  /** The table's column names, read on a connected client. */
  private async columnsOn(client: pg.Client): Promise<string[]> {
    const result = await client.query(`SELECT * FROM ${quotedTable(this.table)} LIMIT 0`);
    return result.fields.map((f) => f.name);
  }

  private async *readJoined(
    plans: { tallies?: TablePlan; tables: TablePlan },
    fallback: string,
    size: number,
    values: unknown[],
    wanted: readonly string[] | undefined,
    ordered: boolean
  ): AsyncIterable<Row[]> {
    const client = await this.connect();
    let open = false;
    // While true, the connection is inside the COPY: a consumer that stopped early, or a read
    // that failed, leaves it there, and the client is ended without a COMMIT (pg destroys the
    // socket of a client with a query running; the server then ends the read-only transaction).
    let copying = false;
    const fail = (error: unknown): never => {
      throw new ConfigurationError(`Cannot read ${this.description}: ${(error as Error).message}`);
    };
    try {
      // One snapshot for the aggregates and the rows, as one query would have.
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
      // Only the columns the scan reads that the table has, and the order column (an ordered
      // read is sorted by it).
      const columns = (await this.columnsOn(client).catch(fail)).filter(
        (c) => !wanted || c === this.orderBy || wanted.includes(c)
      );
      const parameters = [...values];
      if (plan.firstOrder) {
        const { sql, parameterised } = plan.firstOrder;
        const first = (
          await client.query<{ min: unknown }>(sql, parameterised ? values : []).catch(fail)
        ).rows[0]?.min;
        if (first === null || first === undefined) return;
        parameters.push(first);
      }
      const sql = plan.rows(columns, values.length, ordered);
      // The columns and types, from the statement planned but not run: they decide how each
      // column is sent and decoded (pg-binary-copy.ts).
      const fields: CopyField[] = (
        await client.query(`SELECT * FROM (${sql}) AS q LIMIT 0`, parameters).catch(fail)
      ).fields;
      const statement = copyStatement(
        withLiterals(sql, parameters, (text) => client.escapeLiteral(text)),
        fields,
        ordered ? this.orderBy : undefined
      );
      copying = true;
      try {
        yield* copyBatches(client, statement, fields, typeParser, size);
      } catch (error) {
        fail(error);
      }
      copying = false;
    } finally {
      if (open && !copying) await client.query('COMMIT').catch(() => undefined);
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

/** SQLSTATEs after which a read falls back to one query: no TEMP privilege, a read-only server. */
const TEMP_REFUSED = '42501';
const READ_ONLY = '25006';
