/**
 * A night whose aggregates count the whole table reads the shop's running counts (the backend's
 * fraud_key_tally and fraud_pair_tally, kept by its triggers) instead of grouping the table, and
 * a full read copies its key tables from them. The
 * counts must be exactly what grouping gives, row for row and aggregate for aggregate, on a table
 * migrated by the backend itself and written the ways the shop and an attacker write it: padded,
 * empty and mixed-case keys, IPv6, attempts without an account, updates, deletes, ties. And they
 * are read only when they can be trusted: a disabled trigger (a bulk load) or a role that may not
 * read them gets the rows grouped as before.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { aggregateColumn } from '../src/features/aggregates.js';
import { transactionsProfile } from '../src/features/transactions.js';
import { PostgresSource } from '../src/sources/postgres.js';
import type { Since } from '../src/sources/watermark.js';
import { createDatabase, type TestDatabase } from './support/postgres.js';
import { repoRoot } from '../../../tests/kit/action-bundle.js';

const PYTHON = path.join(repoRoot, '.venv', 'bin', 'python');
const UNTIL = '2026-06-15T12:00:00+00:00';
const NAMES = transactionsProfile.aggregates.map((a) => aggregateColumn(a.name));
let db: TestDatabase;
let admin: pg.Client;
let tiedUser: string;
const role = `fraud_tally_reader_${process.pid}`;
const blind = `fraud_tally_blind_${process.pid}`;

function manage(...args: string[]): void {
  execFileSync(PYTHON, ['manage.py', ...args], {
    cwd: path.join(repoRoot, 'app', 'backend'),
    env: { ...process.env, DATABASE_URL: db.url, DJANGO_ENV: 'development', LOG_LEVEL: 'WARNING' },
    stdio: ['ignore', 'ignore', 'pipe']
  });
}

/** Every row a read returns, id → its aggregates, and how the source got them. */
async function read(
  url: string,
  since: Since | undefined,
  size = 100
): Promise<{ rows: Map<string, unknown[]>; by: string | undefined }> {
  const source = new PostgresSource(url, 'payments_transaction');
  const rows = new Map<string, unknown[]>();
  for await (const batch of source.batchesWithAggregates(
    size,
    transactionsProfile.aggregates,
    since
  )) {
    for (const row of batch)
      rows.set(
        String(row.id),
        NAMES.map((n) => row[n] ?? null)
      );
  }
  return { rows, by: source.aggregatedBy };
}

const night = (from: Date, afterId: string | null = null): Since => ({
  from,
  afterId,
  contextFrom: null,
  skipIds: new Set()
});
/** The same rows with a window reaching back before every row: counted from the rows. */
const grouped = (since: Since): Since => ({ ...since, contextFrom: new Date(0) });

beforeAll(async () => {
  if (!existsSync(PYTHON)) {
    throw new Error(
      `the backend's virtualenv is missing (${PYTHON}): run \`bash scripts/test fraud\``
    );
  }
  db = await createDatabase('fraud_tallies');
  manage('migrate', '--no-input', '-v', '0');
  manage('generate_demo_transactions', '--seed', '3', '--users', '40', '--until', UNTIL);
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  // Rows the shop's own checkout never writes but its table takes, copied from real ones: keys
  // padded with spaces, empty, in other cases; IPv6 and no IP; no account; statuses in odd
  // case.
  await admin.query(`
    INSERT INTO payments_transaction (created_at, amount, currency, status, decline_code, decline_reason,
      card_fingerprint, card_brand, card_last4, card_exp_month, card_exp_year, billing_city, billing_state,
      billing_postal_code, billing_country, client_ip, gateway, gateway_reference, order_id, user_id)
    SELECT created_at + interval '1 minute' * k, amount, currency,
      (ARRAY['succeeded', ' Succeeded ', 'FAILED', '', 'declined'])[1 + k % 5], decline_code, decline_reason,
      (ARRAY[card_fingerprint, ' ' || left(card_fingerprint, 62) || ' ', '', '   ', card_fingerprint])[1 + k % 5],
      card_brand, card_last4, card_exp_month, card_exp_year, billing_city, billing_state, billing_postal_code,
      (ARRAY['gb', 'Fr', '', 'DE', 'fr'])[1 + k % 5],
      (ARRAY['2001:db8::1'::inet, NULL, '10.0.0.7'::inet, '::ffff:10.0.0.7'::inet, client_ip])[1 + k % 5],
      gateway, gateway_reference, NULL, CASE WHEN k % 7 = 0 THEN NULL ELSE user_id END
    FROM payments_transaction t, generate_series(1, 12) AS k
    WHERE t.id % 9 = 0`);
  // Later writes the triggers must follow: a changed country and card, a deleted attempt (its
  // pair drops to zero), a user's attempts moved to no account.
  await admin.query(
    `UPDATE payments_transaction SET billing_country = 'us', card_fingerprint = left(card_fingerprint, 63) || 'x' WHERE id % 11 = 0`
  );
  await admin.query(`DELETE FROM payments_transaction WHERE id % 13 = 0`);
  await admin.query(
    `UPDATE payments_transaction SET user_id = NULL WHERE user_id = (SELECT min(user_id) FROM payments_transaction)`
  );
  // An account whose most frequent country is tied with 'AA' (inserted as often): the mode's
  // ties go to the smallest, so its usual country reads 'AA'.
  const { rows: tied } = await admin.query<{ user_id: string }>(
    `SELECT user_id FROM payments_transaction WHERE user_id IS NOT NULL GROUP BY user_id ORDER BY count(*), user_id LIMIT 1`
  );
  tiedUser = String(tied[0]?.user_id);
  await admin.query(
    `INSERT INTO payments_transaction (created_at, amount, currency, status, decline_code, decline_reason,
      card_fingerprint, card_brand, card_last4, billing_city, billing_state, billing_postal_code,
      billing_country, gateway, gateway_reference, user_id)
    SELECT now(), 1, 'usd', 'succeeded', '', '', card_fingerprint, '', '', '', '', '', 'AA', 'offline', '', user_id
    FROM (SELECT * FROM payments_transaction WHERE user_id = $1 LIMIT 1) AS one,
      generate_series(1, (SELECT max(n) FROM (SELECT count(*) AS n FROM payments_transaction
        WHERE user_id = $1 GROUP BY upper(trim(billing_country))) AS c))`,
    [tiedUser]
  );
  // Two roles, neither allowed TEMP tables: one may read the table and the counts, one the table only.
  await admin.query(`REVOKE TEMP ON DATABASE ${db.name} FROM PUBLIC`);
  for (const name of [role, blind]) {
    await admin.query(`DROP ROLE IF EXISTS ${name}`);
    await admin.query(`CREATE ROLE ${name} LOGIN`);
    await admin.query(`GRANT SELECT ON payments_transaction TO ${name}`);
  }
  await admin.query(`GRANT SELECT ON fraud_key_tally, fraud_pair_tally TO ${role}`);
}, 180_000);

afterAll(async () => {
  await admin?.end();
  await db?.drop();
  const server = new pg.Client({ connectionString: db.url.replace(/\/[^/]+$/, '/postgres') });
  await server.connect();
  for (const name of [role, blind]) await server.query(`DROP ROLE IF EXISTS ${name}`);
  await server.end();
});

describe('a night over the whole table, from the running counts', () => {
  it('reads the counts and gets what grouping the rows gets, for every row and aggregate', async () => {
    const { rows: total } = await read(db.url, grouped(night(new Date(0))));
    expect(total.size).toBeGreaterThan(500);
    for (const size of [100, 7]) {
      const tallied = await read(db.url, night(new Date(0)), size);
      const counted = await read(db.url, grouped(night(new Date(0))), size);
      // A full read: its key tables copied from the counts, the rows joined to them.
      const full = await read(db.url, undefined, size);
      expect([tallied.by, counted.by, full.by]).toEqual(['tallies', 'key tables', 'tallies']);
      expect(tallied.rows.size).toBe(total.size);
      expect(full.rows.size).toBe(total.size);
      for (const [id, values] of counted.rows) {
        expect([id, tallied.rows.get(id)]).toEqual([id, values]);
        expect([id, full.rows.get(id)]).toEqual([id, values]);
      }
    }
    // The awkward rows did reach the counts (not a table of empty aggregates agreeing with itself).
    const some = [...total.values()];
    expect(
      some.some((v) => (v[NAMES.indexOf(aggregateColumn('countries_per_user'))] as number) >= 3)
    ).toBe(true);
    const at = (name: string): number => NAMES.indexOf(aggregateColumn(name));
    expect(some.some((v) => v[at('attempts_per_user')] === null)).toBe(true);
    expect(some.some((v) => v[at('attempts_per_card')] === null)).toBe(true);
    const { rows: mine } = await admin.query<{ id: string }>(
      'SELECT id FROM payments_transaction WHERE user_id = $1',
      [tiedUser]
    );
    for (const { id } of mine) expect(total.get(String(id))?.[at('usual_country')]).toBe('AA');
  });

  it('reads only the new rows, from the first new one on, however small the batches', async () => {
    const { rows: middle } = await admin.query<{ created_at: Date; id: string }>(
      `SELECT created_at, id FROM payments_transaction ORDER BY created_at OFFSET 400 LIMIT 1`
    );
    const { created_at: from, id } = middle[0] as { created_at: Date; id: string };
    const since = night(from, String(Number(id) + 50));
    const tallied = await read(db.url, since, 5);
    const counted = await read(db.url, grouped(since), 5);
    expect(tallied.by).toBe('tallies');
    // The same rows (each plan's in the order its server produced them).
    expect([...tallied.rows.keys()].sort()).toEqual([...counted.rows.keys()].sort());
    expect(tallied.rows).toEqual(counted.rows);
    const { rows: expected } = await admin.query<{ n: string }>(
      `SELECT count(*) AS n FROM payments_transaction WHERE created_at >= $1 OR id > $2`,
      [from, Number(id) + 50]
    );
    expect(tallied.rows.size).toBe(Number(expected[0]?.n));
  });

  it('counts the rows instead while a tally trigger is disabled (the counts may be stale)', async () => {
    await admin.query('ALTER TABLE payments_transaction DISABLE TRIGGER fraud_tally_insert');
    try {
      const stale = await read(db.url, night(new Date(0)));
      expect(stale.by).toBe('key tables');
      expect((await read(db.url, undefined)).by).toBe('key tables');
    } finally {
      await admin.query('ALTER TABLE payments_transaction ENABLE TRIGGER fraud_tally_insert');
    }
    expect((await read(db.url, night(new Date(0)))).by).toBe('tallies');
  });

  it('a night of a role without TEMP reads the counts; one that may not read them gets one query, same values', async () => {
    const as = (name: string): string => db.url.replace(/\/\/[^@]+@/, `//${name}@`);
    const reference = await read(db.url, night(new Date(0)));
    const reader = await read(as(role), night(new Date(0)));
    const without = await read(as(blind), night(new Date(0)));
    expect([reader.by, without.by]).toEqual(['tallies', 'one query']);
    expect(reader.rows).toEqual(reference.rows);
    expect(without.rows).toEqual(reference.rows);
    // A full read copies the counts into TEMP tables: without TEMP, one query, same values.
    const fullReader = await read(as(role), undefined);
    expect(fullReader.by).toBe('one query');
    expect(fullReader.rows).toEqual(reference.rows);
  });

  it('a window shorter than the table never reads the counts', async () => {
    const since = { ...night(new Date(0)), contextFrom: new Date('2026-06-01T00:00:00Z') };
    expect((await read(db.url, since)).by).toBe('key tables');
  });
});
