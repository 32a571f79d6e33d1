/**
 * Cross-row features computed two ways must agree: in memory (CSV and SQLite sources) and by
 * PostgreSQL in the query that reads the rows (flat memory). One table with the synthetic
 * fraud patterns plus awkward rows (blank and padded keys, NULLs, mixed case, ties for a
 * user's usual country, an infinite timestamp) goes into a real PostgreSQL; every row's
 * features and a whole scan's results are compared.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import {
  aggregateColumn,
  columnAggregates,
  memoryAggregate,
  aggregateQuery,
  postgresTablePlan,
  type TablePlan
} from '../src/features/aggregates.js';
import { DEFAULT_DETECTOR_OPTIONS, type Detector, trainDetector } from '../src/model/detector.js';
import { featurize } from '../src/research/evaluate.js';
import { stripemodelProfile } from '../src/features/stripemodel.js';
import { transactionsProfile } from '../src/features/transactions.js';
import type { FeatureProfile } from '../src/features/profile.js';
import type { Row } from '../src/features/row.js';
import { readTrainingRows, scanSource } from '../src/scan.js';
import { CsvSource } from '../src/sources/csv.js';
import { PostgresSource } from '../src/sources/postgres.js';
import type { Source } from '../src/sources/source.js';
import { TRANSACTION_COLUMNS, toCsv } from '../src/research/synthetic.js';
import { initTensorflow } from '../src/model/tf.js';
import { STRIPEMODEL_COLUMNS, stripemodelRows, transactionRows } from './support/awkward-rows.js';
import { paymentsTransactionDdl } from './support/payments-table.js';
import { createDatabase, insertRows, type TestDatabase } from './support/postgres.js';

let db: TestDatabase;
const dir = mkdtempSync(path.join(tmpdir(), 'fraud-aggregates-'));
let client: pg.Client;

async function readAll(source: Source): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const batch of source.batches(97)) rows.push(...batch);
  return rows;
}

/** The statements of a read with TEMP tables (postgresTablePlan), run in a transaction. */
async function withTables<T>(plan: TablePlan, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    for (const step of plan.setup) await client.query(step.sql);
    return await work();
  } finally {
    await client.query('ROLLBACK');
  }
}

async function planText(sql: string): Promise<string> {
  const plan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`);
  return plan.rows.map((r) => r['QUERY PLAN']).join('\n');
}

/** Every row a read with aggregates returns, in id order (it returns them in the server's). */
async function readAllWithAggregates(
  source: Source,
  profile: FeatureProfile,
  batch = 97
): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const b of source.batchesWithAggregates?.(batch, profile.aggregates) ?? []) {
    expect(b.length).toBeLessThanOrEqual(batch);
    rows.push(...b);
  }
  return rows.sort((a, b) => Number(a.id) - Number(b.id));
}

/** The aggregate columns of a row (SQLite hands back every column as it stored it). */
function pickAggregates(row: Row, profile: FeatureProfile): Row {
  return Object.fromEntries(
    profile.aggregates.map((spec) => [aggregateColumn(spec.name), row[aggregateColumn(spec.name)]])
  );
}

/** A SQL literal of a cell as PostgreSQL handed it over (NULL stays NULL, padding stays). */
function sqliteLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (value instanceof Date) return `'${value.toISOString()}'`;
  if (typeof value === 'number' && !Number.isFinite(value)) return `'${String(value)}'`;
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new Error(`no SQLite literal for ${typeof value}`);
  }
  return `'${String(value).replace(/'/g, "''")}'`;
}

/**
 * The rows in a SQLite file (typed as Django creates the table: INTEGER ids) and the profile's
 * aggregate query run on it by the sqlite3 shell — the query the SQLite source runs under
 * node:sqlite, which this Node lacks.
 */
function sqliteAggregated(table: string, rows: readonly Row[], profile: FeatureProfile): Row[] {
  const columns = Object.keys(rows[0] as Row);
  const integer = new Set([
    'id',
    'user_id',
    'card_exp_month',
    'card_exp_year',
    'exp_month',
    'exp_year',
    'n'
  ]);
  const type = (c: string): string => (integer.has(c) ? 'INTEGER' : 'TEXT');
  const file = path.join(dir, `${table}.sqlite3`);
  const script = [
    `CREATE TABLE ${table} (${columns.map((c) => `"${c}" ${type(c)}`).join(', ')});`,
    ...rows.map(
      (r) => `INSERT INTO ${table} VALUES (${columns.map((c) => sqliteLiteral(r[c])).join(', ')});`
    )
  ].join('\n');
  execFileSync('sqlite3', [file], { input: script });
  const sql = aggregateQuery('sqlite', `"${table}"`, 'rowid', profile.aggregates);
  const out = execFileSync('sqlite3', ['-json', file, sql], {
    encoding: 'utf8',
    maxBuffer: 1 << 28
  });
  return JSON.parse(out) as Row[];
}

beforeAll(async () => {
  db = await createDatabase('fraud_aggregates');
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(paymentsTransactionDdl({ awkwardRows: true }));
  await insertRows(client, 'payments_transaction', [...TRANSACTION_COLUMNS], transactionRows());
  await client.query(`CREATE TABLE account_stripemodel (
    id bigint PRIMARY KEY, user_id bigint, card_number text, exp_month int, exp_year int,
    name_on_card text, email text, address_city text, address_state text, address_zip text,
    address_country text, n int, v text)`);
  await insertRows(client, 'account_stripemodel', STRIPEMODEL_COLUMNS, stripemodelRows());
}, 60_000);

afterAll(async () => {
  await client?.end();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the in-memory aggregate', () => {
  const specs = transactionsProfile.aggregates;
  it('a key with an empty part counts nowhere and reads as 0', () => {
    const agg = memoryAggregate(specs);
    const rows: Row[] = [
      { user_id: '1', card_fingerprint: '', created_at: '2026-01-01T00:00:00Z' },
      { user_id: '1', card_fingerprint: 'a', created_at: '2026-01-01T00:10:00Z' }
    ];
    rows.forEach((r) => agg.add(r));
    expect(agg.count('attempts_per_card', rows[0] as Row)).toBe(0);
    expect(agg.count('attempts_per_card_hour', rows[0] as Row)).toBe(0);
    expect(agg.count('attempts_per_card_hour', rows[1] as Row)).toBe(1);
    expect(agg.count('cards_per_user', rows[0] as Row)).toBe(1);
    expect(agg.count('attempts_per_user', rows[0] as Row)).toBe(2);
  });
  it('a tie for the mode goes to the smaller value, whichever came first', () => {
    for (const order of [
      ['US', 'CA'],
      ['CA', 'US']
    ]) {
      const agg = memoryAggregate(specs);
      order.forEach((c) => agg.add({ user_id: '7', billing_country: c }));
      expect(agg.mode('usual_country', { user_id: '7' })).toBe('CA');
      agg.add({ user_id: '7', billing_country: 'us' });
      expect(agg.mode('usual_country', { user_id: '7' })).toBe('US');
    }
  });
});

describe('PostgreSQL computes the same aggregates as memory', () => {
  it('window functions joined back once, on the order column, in one ordered query', () => {
    const sql = aggregateQuery('pg', '"t"', '"id"', transactionsProfile.aggregates);
    // No join on a computed key (PostgreSQL misestimates those and took nested loops).
    expect(sql.match(/\bJOIN\b/g)).toHaveLength(1);
    expect(sql).toMatch(/\) AS a ON a\.__fs_order = s\."id"\nORDER BY s\."id"$/);
    expect(sql).not.toMatch(/GROUP BY/);
    // One window per key (user, card, IP, card and hour), shared by that key's aggregates.
    expect(sql.match(/__fs_w\d+ AS \(PARTITION BY/g)).toHaveLength(4);
    // Cards per user and users per card count the same (user, card) pairs: one flag.
    expect(sql.match(/row_number\(\)/g)).toHaveLength(3);
  });

  it('the plan PostgreSQL picks has no nested loop, without any planner setting', async () => {
    const sql = aggregateQuery(
      'pg',
      '"payments_transaction"',
      '"id"',
      transactionsProfile.aggregates
    );
    const plan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`);
    const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toMatch(/WindowAgg/);
    expect(text).not.toMatch(/Nested Loop/);
    // An incremental read keeps the window's rows that share a key with a new row through
    // joins: no nested loop, no subquery rescanned per row.
    const since = aggregateQuery(
      'pg',
      '"payments_transaction"',
      '"id"',
      transactionsProfile.aggregates,
      {
        rows: '("id" > 300)',
        context: '("id" > 100)'
      }
    );
    const sincePlan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${since}`);
    const sinceText = sincePlan.rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(sinceText).toMatch(/WindowAgg/);
    expect(sinceText).not.toMatch(/Nested Loop|SubPlan/);
  });

  it('TEMP tables per key, then the rows joined to them by hash: no nested loop either', async () => {
    const table = '"payments_transaction"';
    const columns = ['id', 'user_id'];
    const full = postgresTablePlan(table, '"id"', transactionsProfile.aggregates);
    // One table per key (user, card, IP, card and hour), grouped, analysed.
    expect(full.setup.filter((s) => /GROUP BY/.test(s.sql))).toHaveLength(4);
    expect(full.setup.filter((s) => /^ANALYZE/.test(s.sql))).toHaveLength(4);
    // Every row in one statement: each key's hash table built once, no sort before the first
    // row (a scan's read); a training read is sorted by id.
    const [fullText, orderedText] = await withTables(full, () =>
      Promise.all([planText(full.rows(columns, 0, false)), planText(full.rows(columns, 0, true))])
    );
    expect(fullText).toMatch(/Hash (Left )?Join/);
    expect(fullText).not.toMatch(/Nested Loop|SubPlan|Sort/);
    expect(orderedText).toMatch(/Sort Key: s\.id|Index Scan/);
    expect(orderedText).not.toMatch(/Nested Loop|SubPlan/);
    const since = postgresTablePlan(table, '"id"', transactionsProfile.aggregates, {
      rows: '("id" > 300)',
      context: '("id" > 100)'
    });
    const text = await withTables(since, async () => {
      const plans = [];
      for (const step of since.setup.filter(
        (s) => /^(CREATE|INSERT)/.test(s.sql) && !/WITH NO DATA$/.test(s.sql)
      )) {
        plans.push(
          await planText(step.sql.replace(/^CREATE TEMP TABLE \S+ ON COMMIT DROP AS /, ''))
        );
      }
      plans.push(await planText(since.rows(columns, 0, false).replace('$1', '301')));
      return plans.join('\n');
    });
    expect(text).not.toMatch(/Nested Loop|SubPlan/);
  });

  for (const [profile, table] of [
    [transactionsProfile, 'payments_transaction'],
    [stripemodelProfile, 'account_stripemodel']
  ] as const) {
    it(`${profile.name}: every row's features are identical`, async () => {
      const source = new PostgresSource(db.url, table);
      const plain = await readAll(source);
      const aggregated = await readAllWithAggregates(source, profile);
      expect(aggregated.map((r) => r.id)).toEqual(plain.map((r) => r.id));
      // Handed over 3 rows at a time (the COPY's runs cut across batches), the same rows.
      expect(await readAllWithAggregates(source, profile, 3)).toEqual(aggregated);
      const memory = profile.newAggregate();
      plain.forEach((r) => memory.add(r));
      const fromMemory = plain.map((r) => profile.extract(r, memory));
      const fromDatabase = aggregated.map((r) => profile.extract(r, columnAggregates));
      expect(fromDatabase).toEqual(fromMemory);
      // The awkward rows are really there: some unusable, some usable.
      expect(fromMemory.filter((e) => !e.ok).length).toBeGreaterThan(0);
      expect(fromMemory.filter((e) => e.ok).length).toBeGreaterThan(plain.length / 2);
      // And every aggregate takes more than one value here, so agreeing means something.
      for (const spec of profile.aggregates) {
        const values = new Set(aggregated.map((r) => String(r[aggregateColumn(spec.name)])));
        expect([spec.name, values.size > 1]).toEqual([spec.name, true]);
      }
    });
  }

  for (const [profile, table] of [
    [transactionsProfile, 'payments_transaction'],
    [stripemodelProfile, 'account_stripemodel']
  ] as const) {
    it(`${profile.name}: SQLite's aggregates give the same features as PostgreSQL's and memory's`, async () => {
      const plain = await readAll(new PostgresSource(db.url, table));
      const memory = profile.newAggregate();
      plain.forEach((r) => memory.add(r));
      const fromSqlite = sqliteAggregated(table, plain, profile);
      expect(fromSqlite.map((r) => Number(r.id))).toEqual(plain.map((r) => Number(r.id)));
      // The rows as PostgreSQL gave them, with the aggregate cells SQLite computed.
      const withSqliteCells = fromSqlite.map((r, i) => ({
        ...(plain[i] as Row),
        ...pickAggregates(r, profile)
      }));
      expect(withSqliteCells.map((r) => profile.extract(r, columnAggregates))).toEqual(
        plain.map((r) => profile.extract(r, memory))
      );
      // Every aggregate takes more than one value here, so agreeing means something.
      for (const spec of profile.aggregates) {
        const values = new Set(fromSqlite.map((r) => String(r[aggregateColumn(spec.name)])));
        expect([spec.name, values.size > 1]).toEqual([spec.name, true]);
      }
    });
  }

  it('training reads the rows in id order however the table lies on disk; a scan as they come', async () => {
    // The same rows, stored in another order than their ids.
    await client.query(
      'CREATE TABLE payments_shuffled AS SELECT * FROM payments_transaction ORDER BY md5(id::text)'
    );
    try {
      await client.query('ALTER TABLE payments_shuffled ADD PRIMARY KEY (id)');
      await client.query('ANALYZE payments_shuffled');
      const shuffled = new PostgresSource(db.url, 'payments_shuffled');
      const ids = async (ordered: boolean): Promise<number[]> => {
        const seen: number[] = [];
        for await (const batch of shuffled.batchesWithAggregates(
          50,
          transactionsProfile.aggregates,
          undefined,
          undefined,
          ordered
        )) {
          seen.push(...batch.map((r) => Number(r.id)));
        }
        return seen;
      };
      const sorted = [...(await ids(true))].sort((a, b) => a - b);
      expect(await ids(true)).toEqual(sorted);
      // Unordered, the server's order here is the table's (else this test shows nothing).
      const asStored = await ids(false);
      expect(asStored).not.toEqual(sorted);
      expect([...asStored].sort((a, b) => a - b)).toEqual(sorted);
      // So the training sample, and the model, are the same as from the table in id order.
      const options = { batchSize: 50, maxRows: 100, seed: 3 };
      const fromShuffled = await readTrainingRows(shuffled, transactionsProfile, options);
      const fromOrdered = await readTrainingRows(
        new PostgresSource(db.url, 'payments_transaction'),
        transactionsProfile,
        options
      );
      expect(fromShuffled.total).toBeGreaterThan(options.maxRows);
      expect(fromShuffled.rows).toEqual(fromOrdered.rows);
    } finally {
      await client.query('DROP TABLE payments_shuffled');
    }
  });

  it('a read the scan stops early ends its connection at once, in the middle of its COPY', async () => {
    // Many MB of rows, so the COPY is still sending when the scan stops after one batch.
    const { rows: cols } = await client.query<{ name: string }>(
      `SELECT column_name AS name FROM information_schema.columns
        WHERE table_name = 'payments_transaction' ORDER BY ordinal_position`
    );
    const select = cols.map((c) => (c.name === 'id' ? 'g * 1000000 + t.id' : `t."${c.name}"`));
    await client.query('CREATE TABLE payments_many (LIKE payments_transaction INCLUDING ALL)');
    try {
      await client.query(
        `INSERT INTO payments_many SELECT ${select.join(', ')} FROM payments_transaction t, generate_series(1, 100) AS g`
      );
      await client.query('ANALYZE payments_many');
      const sessions = async (): Promise<number> =>
        Number(
          (
            await client.query<{ n: string }>(
              'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database()'
            )
          ).rows[0]?.n
        );
      const before = await sessions();
      const source = new PostgresSource(db.url, 'payments_many');
      let batches = 0;
      for await (const batch of source.batchesWithAggregates?.(2, transactionsProfile.aggregates) ??
        []) {
        expect(batch).toHaveLength(2);
        batches++;
        break;
      }
      expect(batches).toBe(1);
      // Its session is gone (a COMMIT queued behind the unread COPY would never have run).
      for (let tries = 0; (await sessions()) !== before && tries < 100; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(await sessions()).toBe(before);
    } finally {
      await client.query('DROP TABLE payments_many');
    }
  }, 60_000);

  it('a role that may not create TEMP tables, or a read-only session, reads the same rows and aggregates from one query', async () => {
    const role = `fraud_reader_${process.pid}`;
    await client.query(`CREATE ROLE ${role} LOGIN`);
    try {
      await client.query(`REVOKE TEMPORARY ON DATABASE ${db.name} FROM PUBLIC`);
      await client.query(`GRANT SELECT ON payments_transaction TO ${role}`);
      const url = db.url.replace('//postgres@', `//${role}@`);
      const reader = new pg.Client({ connectionString: url });
      await reader.connect();
      // The refusal the source falls back from.
      await expect(reader.query('CREATE TEMP TABLE t AS SELECT 1')).rejects.toMatchObject({
        code: '42501'
      });
      await reader.end();
      const profile = transactionsProfile;
      const owner = await readAllWithAggregates(
        new PostgresSource(db.url, 'payments_transaction'),
        profile
      );
      const readOnly = await readAllWithAggregates(
        new PostgresSource(url, 'payments_transaction'),
        profile
      );
      expect(readOnly).toEqual(owner);
      expect(readOnly.length).toBeGreaterThan(37);
      // A read-only session (a hot standby refuses TEMP tables the same way): the same again.
      await client.query(`GRANT TEMPORARY ON DATABASE ${db.name} TO PUBLIC`);
      await client.query(`ALTER ROLE ${role} SET default_transaction_read_only = on`);
      const standby = await readAllWithAggregates(
        new PostgresSource(url, 'payments_transaction'),
        profile
      );
      expect(standby).toEqual(owner);
    } finally {
      await client.query(`GRANT TEMPORARY ON DATABASE ${db.name} TO PUBLIC`);
      await client.query(`REVOKE ALL ON payments_transaction FROM ${role}`);
      await client.query(`DROP ROLE ${role}`);
    }
  });

  it('an incremental read: the rows since a point, aggregates over the window before it', async () => {
    const profile = transactionsProfile;
    const plain = await readAll(new PostgresSource(db.url, 'payments_transaction'));
    const ids = plain.map((r) => Number(r.id));
    const [contextFrom, rowsFrom] = [
      ids[Math.floor(ids.length * 0.4)],
      ids[Math.floor(ids.length * 0.7)]
    ];
    const sql = aggregateQuery('pg', '"payments_transaction"', '"id"', profile.aggregates, {
      rows: `("id" >= ${String(rowsFrom)})`,
      context: `("id" >= ${String(contextFrom)})`
    });
    const aggregated = (await client.query<Row>(sql)).rows;
    const memory = profile.newAggregate();
    plain.filter((r) => Number(r.id) >= (contextFrom as number)).forEach((r) => memory.add(r));
    const scanned = plain.filter((r) => Number(r.id) >= (rowsFrom as number));
    expect(aggregated.map((r) => Number(r.id))).toEqual(scanned.map((r) => Number(r.id)));
    expect(aggregated.map((r) => profile.extract(r, columnAggregates))).toEqual(
      scanned.map((r) => profile.extract(r, memory))
    );
    // The window matters: over the whole table, some counts differ.
    const everything = profile.newAggregate();
    plain.forEach((r) => everything.add(r));
    expect(scanned.map((r) => profile.extract(r, everything))).not.toEqual(
      scanned.map((r) => profile.extract(r, memory))
    );
  });

  it('a whole scan from PostgreSQL (one pass) equals the same rows scanned from CSV (two passes)', async () => {
    await initTensorflow();
    const rows = transactionRows();
    const csvFile = path.join(dir, 'transactions.csv');
    writeFileSync(csvFile, toCsv(rows));
    const training = featurize(
      transactionsProfile,
      rows.filter((r) => r.fraud_pattern === '')
    ).values;
    const detector: Detector = await trainDetector(transactionsProfile, training, {
      ...DEFAULT_DETECTOR_OPTIONS,
      epochs: 4,
      seed: 5
    });
    const fromPg = await scanSource(detector, new PostgresSource(db.url, 'payments_transaction'), {
      batchSize: 64,
      topN: 15,
      candidates: 25
    });
    const fromCsv = await scanSource(detector, new CsvSource(csvFile), {
      batchSize: 64,
      topN: 15,
      candidates: 25
    });
    expect(fromPg.scored).toBe(fromCsv.scored);
    expect(fromPg.invalid).toEqual(fromCsv.invalid);
    expect(fromPg.flaggedCount).toBe(fromCsv.flaggedCount);
    expect(fromPg.flaggedCount).toBeGreaterThan(25);
    expect(fromPg.top.map((f) => f.id)).toEqual(fromCsv.top.map((f) => f.id));
    expect(fromPg.top.map((f) => f.score)).toEqual(fromCsv.top.map((f) => f.score));
    expect(fromPg.histogram.counts).toEqual(fromCsv.histogram.counts);
    // Only the kept candidates are held, but every flagged row is counted.
    expect(fromPg.unreported).toHaveLength(25);
    expect(fromPg.unreportedCount).toBe(fromPg.flaggedCount);
  }, 120_000);
});
