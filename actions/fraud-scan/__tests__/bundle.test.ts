import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { runBundle } from '../../../tests/kit/action-bundle.js';
import { startGitHubStandIn, type GitHubStandIn } from '../../../tests/kit/stand-ins/github-api.js';
import { SeededRandom } from '../src/rng.js';
import { syntheticTransactions, toCsv, TRANSACTION_COLUMNS } from '../src/synthetic.js';
import { STRIPEMODEL_COLUMNS, stripemodelRows, transactionRows } from './support/awkward-rows.js';
import { paymentsTransactionDdl } from './support/payments-table.js';
import { createDatabase, insertRows } from './support/postgres.js';

/**
 * The committed bundle run the way the runner runs it (Node 24, INPUT_* variables, file
 * commands), against CSV, SQLite and PostgreSQL sources and the GitHub REST stand-in.
 */

const work = mkdtempSync(path.join(tmpdir(), 'fraud-action-'));
let gh: GitHubStandIn;
const transactions = syntheticTransactions({ seed: 5, normalUsers: 400, fraudEvents: 6 });
const transactionsCsv = path.join(work, 'transactions.csv');

// A small account_stripemodel-shaped table with personal data, to prove none reaches an issue.
const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson'];
function luhnComplete(body: string): string {
  for (let d = 0; d <= 9; d++) {
    const n = body + d;
    let sum = 0;
    for (let i = 0; i < n.length; i++) {
      let x = n.charCodeAt(n.length - 1 - i) - 48;
      if (i % 2) x = x * 2 > 9 ? x * 2 - 9 : x * 2;
      sum += x;
    }
    if (sum % 10 === 0) return n;
  }
  throw new Error('unreachable');
}
const rnd = new SeededRandom(8);
const people: Record<string, unknown>[] = [];
for (let i = 1; i <= 400; i++) {
  const fraud = i > 380;
  const first = rnd.pick(FIRST);
  const last = rnd.pick(LAST);
  const digits = Array.from({ length: 11 }, () => rnd.int(0, 9)).join('');
  people.push({
    id: i,
    user_id: fraud ? 5000 + (i % 4) : i,
    card_number: fraud ? `9${digits}1234` : luhnComplete(`4${digits}123`),
    exp_month: String(rnd.int(1, 12)).padStart(2, '0'),
    exp_year: rnd.int(2027, 2032),
    email: fraud
      ? `${first.toLowerCase()}${i}@example.com`
      : `${first[0]?.toLowerCase()}${last.toLowerCase()}${i}@example.com`,
    name_on_card: `${first} ${last}`,
    address_city: fraud ? 'Chicago' : 'Smallville',
    address_state: fraud ? 'Texas' : 'Kansas',
    address_zip: fraud ? '10001' : '66002',
    address_country: 'USA'
  });
}
const peopleColumns = Object.keys(people[0] as object);
const peopleCsv = path.join(work, 'cards.csv');

beforeAll(async () => {
  gh = await startGitHubStandIn();
  writeFileSync(transactionsCsv, toCsv(transactions));
  writeFileSync(peopleCsv, toCsv(people, peopleColumns));
});
afterAll(async () => {
  await gh.close();
  rmSync(work, { recursive: true, force: true });
});

const env = (): Record<string, string> => ({ GITHUB_API_URL: gh.url });
const base = (over: Record<string, string>): Record<string, string> => ({
  'github-token': 'ghs_standintoken',
  epochs: '15',
  'output-dir': path.join(work, 'out'),
  'model-output': path.join(work, 'out/model.json'),
  ...over
});
const posts = (): number =>
  gh.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/issues')).length;

describe('fraud-scan action bundle', () => {
  it('CSV: trains when no model is given, writes reports and outputs, opens capped issues with the label; a second run opens none', async () => {
    const run = await runBundle('fraud-scan', {
      inputs: base({ source: transactionsCsv, profile: 'transactions', 'max-issues': '3' }),
      env: env(),
      timeoutMs: 180_000
    });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs.trained).toBe('true');
    expect(Number(run.outputs.rows)).toBe(transactions.length);
    expect(Number(run.outputs.flagged)).toBeGreaterThan(3);
    expect(run.outputs['issues-opened']).toBe('3');
    expect(existsSync(run.outputs['report-csv'] as string)).toBe(true);
    expect(readFileSync(run.outputs.chart as string, 'utf8')).toContain('<svg');
    expect(readFileSync(run.outputs['prom-file'] as string, 'utf8')).toMatch(
      /^fraud_scan_flagged_rows\{profile="transactions"\} \d+$/m
    );
    expect(run.summary).toContain('```mermaid\nxychart-beta');
    expect(run.summary).toContain('### Top');
    expect(gh.issues).toHaveLength(4);
    expect(gh.issues.every((i) => i.labels.some((l) => l.name === 'fraud-suspect'))).toBe(true);
    expect(gh.labels.has('fraud-suspect')).toBe(true);

    const again = await runBundle('fraud-scan', {
      inputs: base({
        source: transactionsCsv,
        profile: 'transactions',
        'max-issues': '3',
        model: run.outputs['model-path'] as string
      }),
      env: env(),
      timeoutMs: 180_000
    });
    expect(again.errors).toEqual([]);
    expect(again.outputs.trained).toBe('false');
    expect(again.outputs.flagged).toBe(run.outputs.flagged);
    expect(again.outputs['issues-opened']).toBe('0');
    expect(gh.issues).toHaveLength(4);
  });

  it('issue bodies carry no email, name or full card number (every body is scanned)', async () => {
    const run = await runBundle('fraud-scan', {
      inputs: base({
        source: peopleCsv,
        profile: 'stripemodel',
        'max-issues': '5',
        'output-dir': path.join(work, 'people'),
        'model-output': path.join(work, 'people/model.json')
      }),
      env: env(),
      timeoutMs: 180_000
    });
    expect(run.errors).toEqual([]);
    expect(Number(run.outputs['issues-opened'])).toBeGreaterThan(0);
    const bodies = gh.issues.map((i) => `${i.title}\n${i.body}`).join('\n');
    expect(bodies).not.toMatch(/[\w.+-]+@[\w-]+\.[\w.]+/);
    expect(bodies).not.toMatch(/\d{12,19}/);
    for (const person of people) {
      expect(bodies).not.toContain(String(person.card_number));
      expect(bodies).not.toContain(String(person.name_on_card));
    }
    for (const name of [...FIRST, ...LAST]) expect(bodies).not.toContain(name);
    const csv = readFileSync(run.outputs['report-csv'] as string, 'utf8');
    expect(csv).not.toMatch(/@|\d{12,19}/);
  });

  it('SQLite (node:sqlite on Node 24), dry run: prints what it would open and opens nothing', async () => {
    const db = path.join(work, 'shop.sqlite3');
    execFileSync('sqlite3', [db, '.mode csv', `.import ${transactionsCsv} payments_transaction`]);
    const before = posts();
    const run = await runBundle('fraud-scan', {
      inputs: base({ source: db, profile: 'transactions', 'dry-run': 'true', 'github-token': '' }),
      env: env(),
      timeoutMs: 180_000
    });
    expect(run.errors).toEqual([]);
    expect(Number(run.outputs.rows)).toBe(transactions.length);
    expect(run.stdout).toContain('[dry run] would open: Suspected fraud: transaction');
    expect(run.summary).toContain('Dry run: would open');
    expect(posts()).toBe(before);
  });

  // SQLite computes the cross-row aggregates in its query (one pass); a CSV is aggregated in
  // memory over two passes. Same rows, same model: the reports must be identical.
  for (const profile of ['transactions', 'stripemodel'] as const) {
    it(`${profile}: SQLite (aggregates in SQL, one pass) scans exactly like CSV (in memory)`, async () => {
      // The stripemodel rows ride on the 400 cards above, so some rows are flagged.
      const rows =
        profile === 'transactions'
          ? transactionRows()
          : [...people, ...stripemodelRows().map((r, i) => ({ ...r, id: 401 + i }))];
      const columns =
        profile === 'transactions'
          ? TRANSACTION_COLUMNS.filter((c) => c !== 'fraud_pattern')
          : STRIPEMODEL_COLUMNS;
      const dir = path.join(work, `equal-${profile}`);
      const csvFile = path.join(dir, 'rows.csv');
      execFileSync('mkdir', ['-p', dir]);
      writeFileSync(csvFile, toCsv(rows, columns));
      // Typed columns, as Django creates them: INTEGER affinity turns ids into numbers.
      const table = profile === 'transactions' ? 'payments_transaction' : 'account_stripemodel';
      const types: Record<string, string> = {
        id: 'INTEGER PRIMARY KEY',
        user_id: 'INTEGER',
        card_exp_month: 'INTEGER',
        card_exp_year: 'INTEGER',
        exp_year: 'INTEGER',
        // TEXT, not Django's decimal: NUMERIC affinity would print 3.60 as 3.6 in the report.
        amount: 'TEXT',
        created_at: 'DATETIME'
      };
      const ddl = `CREATE TABLE ${table} (${columns.map((c) => `"${c}" ${types[c] ?? 'TEXT'}`).join(', ')});`;
      const db = path.join(dir, 'rows.sqlite3');
      execFileSync('sqlite3', [db, ddl, '.mode csv', `.import --skip 1 ${csvFile} ${table}`]);
      const scan = async (source: string, out: string, train: boolean) => {
        const run = await runBundle('fraud-scan', {
          inputs: base({
            source,
            profile,
            train: String(train),
            model: path.join(dir, 'model.json'),
            'model-output': path.join(dir, 'model.json'),
            'output-dir': path.join(dir, out),
            'dry-run': 'true',
            'github-token': ''
          }),
          env: env(),
          timeoutMs: 180_000
        });
        expect(run.errors).toEqual([]);
        return run;
      };
      await scan(csvFile, 'train', true);
      const fromCsv = await scan(csvFile, 'csv', false);
      const fromSqlite = await scan(db, 'sqlite', false);
      expect(Number(fromSqlite.outputs.rows)).toBe(rows.length);
      for (const k of ['rows', 'scored', 'invalid-rows', 'flagged', 'threshold']) {
        expect([k, fromSqlite.outputs[k]]).toEqual([k, fromCsv.outputs[k]]);
      }
      expect(Number(fromCsv.outputs.flagged)).toBeGreaterThan(0);
      expect(readFileSync(fromSqlite.outputs['report-csv'] as string, 'utf8')).toBe(
        readFileSync(fromCsv.outputs['report-csv'] as string, 'utf8')
      );
    });
  }

  it('PostgreSQL through a server-side cursor; rows with NULL, NaN and Infinity amounts are counted, not fatal', async () => {
    const db = await createDatabase('fraud_scan_test');
    const url = db.url;
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query(paymentsTransactionDdl());
      const columns = TRANSACTION_COLUMNS.filter((c) => c !== 'fraud_pattern');
      await insertRows(client, 'payments_transaction', columns, transactions);
      await client.query(`UPDATE payments_transaction SET amount = NULL WHERE id = 1`);
      await client.query(`ALTER TABLE payments_transaction ALTER COLUMN amount TYPE numeric`);
      await client.query(`UPDATE payments_transaction SET amount = 'NaN' WHERE id = 2`);
      await client.query(`UPDATE payments_transaction SET amount = 'Infinity' WHERE id = 3`);
      const before = posts();
      const run = await runBundle('fraud-scan', {
        inputs: base({
          source: 'postgres',
          'database-url': url,
          profile: 'transactions',
          'batch-size': '250',
          'dry-run': 'true'
        }),
        env: env(),
        timeoutMs: 180_000
      });
      expect(run.errors).toEqual([]);
      expect(run.outputs['invalid-rows']).toBe('3');
      expect(Number(run.outputs.scored)).toBe(transactions.length - 3);
      expect(run.summary).toContain('3 × amount is not a finite number');
      expect(run.masked).toContain(url);
      expect(posts()).toBe(before);
    } finally {
      await client.end();
      await db.drop();
    }
  });

  describe('bad inputs: a clear error and no issue opened', () => {
    const expectRefused = async (
      inputs: Record<string, string>,
      message: RegExp
    ): Promise<void> => {
      const before = posts();
      const run = await runBundle('fraud-scan', {
        inputs: base(inputs),
        env: env(),
        timeoutMs: 120_000
      });
      expect(run.exitCode).not.toBe(0);
      expect(run.errors.join('\n')).toMatch(message);
      expect(run.errors.join('\n')).not.toMatch(/^fraud-scan failed/);
      expect(posts()).toBe(before);
    };

    it('a missing source file gets "does not exist or cannot be read"', async () => {
      await expectRefused(
        { source: path.join(work, 'nope.csv') },
        /Source CSV file ".*nope\.csv" does not exist or cannot be read/
      );
    });
    it('an unreadable SQLite file gets "is not a readable SQLite database"', async () => {
      const bad = path.join(work, 'bad.sqlite3');
      writeFileSync(bad, 'this is not a database');
      await expectRefused({ source: bad }, /is not a readable SQLite database/);
    });
    it('a table without the needed columns gets the list of missing columns', async () => {
      const file = path.join(work, 'narrow.csv');
      writeFileSync(file, 'id,amount\n1,9.99\n');
      await expectRefused(
        { source: file, profile: 'transactions' },
        /lacks column\(s\) the "transactions" profile needs: created_at, user_id/
      );
    });
    it('an empty table gets "is empty: nothing to scan"', async () => {
      const file = path.join(work, 'empty.csv');
      writeFileSync(file, `${TRANSACTION_COLUMNS.join(',')}\n`);
      await expectRefused({ source: file, profile: 'transactions' }, /is empty: nothing to scan/);
    });
    it('a model of another feature profile gets "trained for the ... profile"', async () => {
      const model = path.join(work, 'out/model.json');
      expect(existsSync(model)).toBe(true);
      await expectRefused(
        { source: peopleCsv, profile: 'stripemodel', model },
        /was trained for the "transactions" feature profile, but this scan uses "stripemodel"/
      );
    });
    it('an unknown profile gets the list of profiles', async () => {
      await expectRefused(
        { source: transactionsCsv, profile: 'orders' },
        /Input "profile" must be one of stripemodel, transactions, got "orders"/
      );
    });
  });
});
