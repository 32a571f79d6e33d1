import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { runBundle } from '../../../tests/kit/action-bundle.js';
import { startGitHubStandIn, type GitHubStandIn } from '../../../tests/kit/stand-ins/github-api.js';
import { SeededRandom } from '../src/numeric/rng.js';
import { syntheticTransactions, toCsv, TRANSACTION_COLUMNS } from '../src/research/synthetic.js';
import { STRIPEMODEL_COLUMNS, stripemodelRows, transactionRows } from './support/awkward-rows.js';
import { paymentsTransactionDdl } from './support/payments-table.js';
import { createDatabase, insertRows } from './support/postgres.js';
import { live, PAYLOADS, tablesIntact } from './support/markdown-attacks.js';

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
const FIRST_PLANTED = 381; // rows 381-400 are the planted fraud
for (let i = 1; i <= 400; i++) {
  const fraud = i >= FIRST_PLANTED;
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
// The ordinary cards alone, to train on: the twenty planted rows are 5% of the file, and a model
// trained on them takes their values for normal (a category at least 6 training rows share
// counts as seen; a binary feature's scale is the 99.5th percentile of its training errors).
const normalPeople = people.filter((p) => Number(p.id) < FIRST_PLANTED);
const normalPeopleCsv = path.join(work, 'cards-normal.csv');

beforeAll(async () => {
  gh = await startGitHubStandIn();
  writeFileSync(transactionsCsv, toCsv(transactions));
  writeFileSync(peopleCsv, toCsv(people, peopleColumns));
  writeFileSync(normalPeopleCsv, toCsv(normalPeople, peopleColumns));
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
    // Flagged rows sharing a card, account or IP are one issue (the planted fraud comes in
    // bursts), at most max-issues of them.
    const opened = Number(run.outputs['issues-opened']);
    expect(opened).toBeGreaterThanOrEqual(1);
    expect(opened).toBeLessThanOrEqual(3);
    expect(existsSync(run.outputs['report-csv'] as string)).toBe(true);
    expect(readFileSync(run.outputs.chart as string, 'utf8')).toContain('<svg');
    expect(readFileSync(run.outputs['prom-file'] as string, 'utf8')).toMatch(
      /^fraud_scan_flagged_rows\{profile="transactions"\} \d+$/m
    );
    expect(run.summary).toContain('```mermaid\nxychart-beta');
    expect(run.summary).toContain('### Top');
    const count = gh.issues.length;
    expect(count).toBeGreaterThanOrEqual(opened);
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
    expect(gh.issues).toHaveLength(count);
  }, 180_000); // trains twice in the bundle (two fits): over a minute on 2 busy cores

  it('issue bodies carry no email, name or full card number (every body is scanned)', async () => {
    const trained = await runBundle('fraud-scan', {
      inputs: base({
        source: normalPeopleCsv,
        profile: 'stripemodel',
        'dry-run': 'true',
        'output-dir': path.join(work, 'people-train'),
        'model-output': path.join(work, 'people/model.json')
      }),
      env: env(),
      timeoutMs: 180_000
    });
    expect(trained.errors).toEqual([]);
    const run = await runBundle('fraud-scan', {
      inputs: base({
        source: peopleCsv,
        profile: 'stripemodel',
        'max-issues': '5',
        model: path.join(work, 'people/model.json'),
        'output-dir': path.join(work, 'people')
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
    expect(run.stdout).toMatch(
      /\[dry run\] would open: Suspected fraud \((low|medium|high|critical)\): /
    );
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
      // stripemodel trains on the ordinary cards only (see normalPeople).
      const trainFile = profile === 'transactions' ? csvFile : path.join(dir, 'normal.csv');
      if (profile === 'stripemodel') writeFileSync(trainFile, toCsv(normalPeople, columns));
      await scan(trainFile, 'train', true);
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
    it('an admin-url that is not https, a malformed issues-repository, or one without issues-token name the input', async () => {
      await expectRefused(
        { source: transactionsCsv, 'admin-url': 'http://shop.example.com/admin/' },
        /^Input "admin-url" must be an https URL without credentials, query or fragment/
      );
      await expectRefused(
        { source: transactionsCsv, 'admin-url': 'javascript:alert(1)' },
        /^Input "admin-url" must be an https URL/
      );
      await expectRefused(
        { source: transactionsCsv, 'issues-repository': 'risk team/cases' },
        /^Input "issues-repository" must be owner\/name, got "risk team\/cases"/
      );
      await expectRefused(
        { source: transactionsCsv, 'issues-repository': 'risk-team/cases' },
        /^Input "issues-token" is required when "issues-repository" is set/
      );
      await expectRefused(
        { source: transactionsCsv, 'allow-public-repository': 'yes' },
        /^Input "allow-public-repository" must be true or false, got "yes"/
      );
    });
    it('an unknown profile gets the list of profiles', async () => {
      await expectRefused(
        { source: transactionsCsv, profile: 'orders' },
        /Input "profile" must be one of stripemodel, transactions, got "orders"/
      );
    });
  });
  describe('alerts a risk team can work, without leaking', () => {
    const model = (): string => path.join(work, 'out/model.json');
    const issuesIn = (full: string) => gh.issues.filter((i) => i.repository === full);

    it('payloads in every text field: no issue, comment or job summary carries a live mention, link, image or HTML; tables hold; the CSV report has no formula', async () => {
      // Hostile values on the planted fraud rows (the model trained on clean rows flags them).
      const fields = [
        'currency',
        'decline_code',
        'decline_reason',
        'card_brand',
        'card_last4',
        'billing_city',
        'billing_state',
        'billing_postal_code',
        'billing_country',
        'gateway_reference'
      ];
      const rows = transactions.map((t, i) =>
        (t as Record<string, unknown>).fraud_pattern
          ? { ...t, ...Object.fromEntries(fields.map((f) => [f, PAYLOADS[i % PAYLOADS.length]])) }
          : t
      );
      const file = path.join(work, 'payloads.csv');
      writeFileSync(file, toCsv(rows));
      const repo = 'octo-org/attacked';
      const run = await runBundle('fraud-scan', {
        inputs: base({
          source: file,
          model: model(),
          'max-issues': '20',
          'output-dir': path.join(work, 'payloads'),
          'admin-url': 'https://shop.example.com/admin/'
        }),
        env: { ...env(), GITHUB_REPOSITORY: repo },
        timeoutMs: 180_000
      });
      expect(run.errors).toEqual([]);
      expect(Number(run.outputs['issues-opened'])).toBeGreaterThan(0);
      const bodies = issuesIn(repo).map((i) => i.body);
      expect(bodies.join('\n')).toContain('`@octocat`');
      for (const body of [...bodies, run.summary]) {
        expect(live(body)).toEqual([]);
        expect(tablesIntact(body)).toBe(true);
      }
      for (const i of issuesIn(repo)) expect(i.title).not.toMatch(/@|`|\n/);
      const csv = readFileSync(run.outputs['report-csv'] as string, 'utf8');
      expect(csv).toContain(`"'=HYPERLINK(""http://evil"",""click"")"`);
      for (const line of csv.split('\n')) {
        for (const cell of line.split(',')) expect(cell).not.toMatch(/^"?[=+@\t\r]/);
      }
    });

    it('reads what analysts did: a closed-as-not-planned issue is counted in the confirmed false-positive rate and its rows are not raised again', async () => {
      const repo = 'octo-org/attacked';
      const [first] = issuesIn(repo);
      Object.assign(first!, { state: 'closed', state_reason: 'not_planned' });
      const before = posts();
      const run = await runBundle('fraud-scan', {
        inputs: base({
          source: path.join(work, 'payloads.csv'),
          model: model(),
          'max-issues': '20',
          'output-dir': path.join(work, 'payloads2')
        }),
        env: { ...env(), GITHUB_REPOSITORY: repo },
        timeoutMs: 180_000
      });
      expect(run.errors).toEqual([]);
      expect(run.outputs['issues-opened']).toBe('0');
      expect(posts()).toBe(before);
      expect(run.summary).toMatch(
        /Confirmed false-positive rate: 1 of 1 reviewed issue\(s\) \(100\.0%\), covering \d+ transaction\(s\) that are not raised again/
      );
    });

    it('a public repository without the opt-in: a clear error before any row is read, and nothing opened', async () => {
      gh.repositories.set('octo-org/public-shop', { visibility: 'public' });
      const before = posts();
      const run = await runBundle('fraud-scan', {
        inputs: base({
          source: transactionsCsv,
          model: model(),
          'output-dir': path.join(work, 'public')
        }),
        env: { ...env(), GITHUB_REPOSITORY: 'octo-org/public-shop' },
        timeoutMs: 120_000
      });
      expect(run.exitCode).not.toBe(0);
      expect(run.errors.join('\n')).toMatch(
        /^Refusing to open fraud issues in octo-org\/public-shop: the repository is public, .*set input "allow-public-repository" to true/
      );
      expect(posts()).toBe(before);
      expect(existsSync(path.join(work, 'public/flagged.csv'))).toBe(false);
    });

    it('issues-repository with issues-token: issues go to the private repository, written with that token (masked), even when the workflow repository is public', async () => {
      gh.repositories.set('risk-team/cases', { visibility: 'private' });
      const run = await runBundle('fraud-scan', {
        inputs: base({
          source: transactionsCsv,
          model: model(),
          'max-issues': '2',
          'output-dir': path.join(work, 'elsewhere'),
          'issues-repository': 'risk-team/cases',
          'issues-token': 'github_pat_risk'
        }),
        env: { ...env(), GITHUB_REPOSITORY: 'octo-org/public-shop' },
        timeoutMs: 180_000
      });
      expect(run.errors).toEqual([]);
      expect(run.outputs['issues-opened']).toBe('2');
      expect(issuesIn('risk-team/cases').length).toBeGreaterThanOrEqual(2);
      expect(run.masked).toContain('github_pat_risk');
      const writes = gh.requests.filter((r) => r.path.startsWith('/repos/risk-team/cases'));
      expect(writes.length).toBeGreaterThan(0);
      expect(writes.every((r) => r.authorization === 'token github_pat_risk')).toBe(true);
      expect(
        gh.requests.some(
          (r) => r.path.startsWith('/repos/octo-org/public-shop/issues') && r.method === 'POST'
        )
      ).toBe(false);
      expect(run.summary).toContain('Issues in risk-team/cases: opened 2');
    });

    it('a token without issues: write: an error naming the permission, nothing opened, and the reports still written', async () => {
      gh.faults.issueWrites = {
        status: 403,
        message: 'Resource not accessible by integration',
        acceptedPermissions: 'issues=write'
      };
      try {
        const out = path.join(work, 'noscope');
        const run = await runBundle('fraud-scan', {
          inputs: base({ source: transactionsCsv, model: model(), 'output-dir': out }),
          env: { ...env(), GITHUB_REPOSITORY: 'octo-org/noscope' },
          timeoutMs: 180_000
        });
        expect(run.exitCode).not.toBe(0);
        expect(run.errors.join('\n')).toMatch(
          /^The token in input "github-token" cannot write issues in octo-org\/noscope: GitHub answered 403 "Resource not accessible by integration"\. It needs the "issues: write" permission \(GitHub asks for issues=write\).*Nothing was opened/
        );
        expect(issuesIn('octo-org/noscope')).toHaveLength(0);
        expect(
          readFileSync(path.join(out, 'flagged.csv'), 'utf8').split('\n').length
        ).toBeGreaterThan(2);
        expect(readFileSync(path.join(out, 'summary.md'), 'utf8')).toContain(
          '**Issues were not written:** The token in input "github-token"'
        );
      } finally {
        delete gh.faults.issueWrites;
      }
    });
  });

  describe('malformed CSV: the line number, and nothing opened', () => {
    const header = `${TRANSACTION_COLUMNS.join(',')}\n`;
    const good = toCsv(transactions.slice(0, 3)).split('\n').slice(1, 4).join('\n');
    const cases: [string, string | Buffer, RegExp][] = [
      [
        'an unterminated quote',
        `${header}${good}\n1000,"2026-01-01\n${good}\n`,
        /line 5: a quoted field opened on this line is never closed/
      ],
      [
        'a row with a missing field',
        `${header}${good}\n1000,2026-01-01\n`,
        /line 5: 2 fields where the header has 22/
      ],
      [
        'bytes that are not UTF-8',
        Buffer.concat([
          Buffer.from(`${header}${good}\n${good.split('\n')[0]?.replace('USD', 'US')}`),
          Buffer.from([0xff]),
          Buffer.from('\n')
        ]),
        /line 5: not valid UTF-8 \(bytes ff/
      ]
    ];
    for (const [name, content, message] of cases) {
      it(name, async () => {
        const file = path.join(work, `bad-${name.replace(/\W+/g, '-')}.csv`);
        writeFileSync(file, content);
        const before = posts();
        const run = await runBundle('fraud-scan', {
          inputs: base({ source: file, model: path.join(work, 'out/model.json') }),
          env: env(),
          timeoutMs: 120_000
        });
        expect(run.exitCode).not.toBe(0);
        expect(run.errors.join('\n')).toMatch(
          new RegExp(`^CSV file .*bad-.*\\.csv, ${message.source}`)
        );
        expect(posts()).toBe(before);
      });
    }
  });
});
