/**
 * The pieces that keep a scan's memory flat: streaming error statistics, a fixed-edge
 * histogram, bounded top lists, the CSV report written as rows are found, and a summary issue
 * that stays under GitHub's body limit however many rows are flagged.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Detector } from '../src/model/detector.js';
import { transactionsProfile } from '../src/features/transactions.js';
import { openIssues, SUMMARY_LISTED } from '../src/issues/issues.js';
import { FlaggedCsvWriter, flaggedCsv } from '../src/report/report.js';
import { SeededRandom } from '../src/numeric/rng.js';
import { parseTimestamptz } from '../src/sources/postgres.js';
import type { Flagged } from '../src/scan.js';
import {
  errorStats,
  fencedQuantile,
  histogram,
  quantile,
  StreamingErrorStats,
  TopK
} from '../src/numeric/stats.js';

const dir = mkdtempSync(path.join(tmpdir(), 'fraud-streaming-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const randomErrors = (n: number, seed: number): number[] => {
  const rnd = new SeededRandom(seed);
  return Array.from({ length: n }, () => -Math.log(1 - rnd.next()) * 0.1);
};

describe('streaming error statistics', () => {
  it('equal the exact statistics while the stream fits the sample', () => {
    const values = randomErrors(5000, 1);
    const s = new StreamingErrorStats(10_000);
    values.forEach((v) => s.add(v));
    const exact = errorStats(values);
    const got = s.stats();
    expect(got.estimated).toBe(false);
    for (const k of ['count', 'median', 'min', 'max', 'p95', 'p99'] as const) {
      expect(got[k]).toBe(exact[k]);
    }
    expect(got.mean).toBeCloseTo(exact.mean, 12);
    expect(got.std).toBeCloseTo(exact.std, 12);
  });

  it('beyond the sample: exact count, mean, min, max; quantiles estimated and close', () => {
    const values = randomErrors(200_000, 2);
    const s = new StreamingErrorStats(20_000);
    values.forEach((v) => s.add(v));
    const exact = errorStats(values);
    const got = s.stats();
    expect(got.estimated).toBe(true);
    expect(got.sampleSize).toBe(20_000);
    expect(got.count).toBe(200_000);
    expect(got.min).toBe(exact.min);
    expect(got.max).toBe(exact.max);
    expect(got.mean).toBeCloseTo(exact.mean, 9);
    expect(Math.abs(got.median / exact.median - 1)).toBeLessThan(0.03);
    expect(Math.abs(got.p95 / exact.p95 - 1)).toBeLessThan(0.03);
    expect(Math.abs(got.p99 / exact.p99 - 1)).toBeLessThan(0.06);
  });

  it('an empty stream gives NaN, not a crash', () => {
    const got = new StreamingErrorStats(10).stats();
    expect(got.count).toBe(0);
    expect(got.mean).toBeNaN();
    expect(got.median).toBeNaN();
  });
});

describe('the robust threshold reading (fencedQuantile)', () => {
  const clean = randomErrors(300, 4).map((e) => e + 0.05);
  it('equals the plain quantile when nothing is far out', () => {
    expect(fencedQuantile(clean, 0.99)).toEqual({ value: quantile(clean, 0.99), setAside: 0 });
  });
  it('sets aside a few far-out errors (fraud among held-out rows) and reads the rest', () => {
    const contaminated = [...clean, 40, 55, 70, 90];
    const fenced = fencedQuantile(contaminated, 0.99);
    expect(fenced.setAside).toBe(4);
    expect(fenced.value).toBe(quantile(clean, 0.99));
    expect(quantile(contaminated, 0.99)).toBeGreaterThan(10 * fenced.value);
  });
  it('falls back to the plain quantile when more than 5% are far out, or the spread is zero', () => {
    const shaped = [...clean, ...Array.from({ length: 30 }, (_, i) => 100 + i)];
    expect(fencedQuantile(shaped, 0.99)).toEqual({ value: quantile(shaped, 0.99), setAside: 0 });
    const flat = [...Array.from({ length: 100 }, () => 0.1), 5];
    expect(fencedQuantile(flat, 0.99)).toEqual({ value: quantile(flat, 0.99), setAside: 0 });
  });
});

describe('the fixed-edge histogram', () => {
  it('counts every error; the threshold closes the last bin below it; the top bin is open', () => {
    const t = 0.5;
    const h = histogram([0, 0.2, t, t * 1.1, t * 1.3, t * 60, t * 1e6], t);
    expect(h.edges[h.firstFlaggedBin]).toBe(t);
    expect(h.edges[h.edges.length - 1]).toBe(Number.POSITIVE_INFINITY);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(7);
    expect(h.counts.slice(0, h.firstFlaggedBin).reduce((a, b) => a + b, 0)).toBe(3);
    expect(h.counts[h.firstFlaggedBin - 1]).toBe(1); // exactly the threshold: not flagged
    expect(h.counts[h.firstFlaggedBin]).toBe(1); // 1.1×
    expect(h.counts[h.firstFlaggedBin + 1]).toBe(1); // 1.3×
    expect(h.counts[h.counts.length - 1]).toBe(2); // 60× and a million ×
  });
});

describe('bounded top lists', () => {
  it('keep exactly the k highest of a stream, highest first', () => {
    const items = randomErrors(10_000, 3).map((score, i) => ({ score, i }));
    const top = new TopK<{ score: number; i: number }>(37);
    items.forEach((x) => top.add(x));
    const expected = [...items].sort((a, b) => b.score - a.score).slice(0, 37);
    expect(top.sorted()).toEqual(expected);
  });
  it('k = 0 keeps nothing', () => {
    const top = new TopK<{ score: number }>(0);
    top.add({ score: 1 });
    expect(top.sorted()).toEqual([]);
  });
});

const flagged = (id: number, score = 2 + id / 1e5): Flagged => ({
  id: String(id),
  score,
  fields: transactionsProfile.publicFields({
    id,
    card_last4: '4242',
    card_fingerprint: 'abcdef1234'
  }),
  drivers: [{ feature: 'card_attempts_in_hour', share: 0.8 }]
});

describe('the CSV report written during the scan', () => {
  it('appears complete only on finish, with the same content as the whole-file form', () => {
    const out = path.join(dir, 'ok');
    const writer = new FlaggedCsvWriter(out, transactionsProfile, 0.5);
    const rows = Array.from({ length: 2500 }, (_, i) => flagged(i));
    rows.forEach((f) => writer.add(f));
    expect(existsSync(path.join(out, 'flagged.csv'))).toBe(false);
    expect(writer.finish()).toBe(path.join(out, 'flagged.csv'));
    const text = readFileSync(path.join(out, 'flagged.csv'), 'utf8');
    expect(text).toBe(flaggedCsv(rows, transactionsProfile, 0.5));
    expect(text.split('\n')[0]).toContain('card_last4');
    expect(existsSync(path.join(out, 'flagged.csv.partial'))).toBe(false);
  });
  it('an aborted scan leaves no report behind', () => {
    const out = path.join(dir, 'aborted');
    const writer = new FlaggedCsvWriter(out, transactionsProfile, 0.5);
    writer.add(flagged(1));
    writer.abort();
    expect(existsSync(path.join(out, 'flagged.csv'))).toBe(false);
    expect(existsSync(path.join(out, 'flagged.csv.partial'))).toBe(false);
  });
});

describe('the summary issue on a night with thousands of suspects', () => {
  it(`lists the ${SUMMARY_LISTED} highest, counts the rest, and stays under GitHub's 65,536-character body limit`, async () => {
    const detector = {
      profile: transactionsProfile,
      threshold: 0.5,
      training: { createdAt: '2026-01-01T00:00:00.000Z' }
    } as unknown as Detector;
    const candidates = Array.from({ length: 10 + SUMMARY_LISTED }, (_, i) =>
      flagged(i, 100 - i / 1000)
    );
    const outcome = await openIssues(undefined, candidates, detector, {
      owner: 'o',
      repo: 'r',
      label: 'fraud-suspect',
      maxIssues: 10,
      dryRun: true,
      sourceKey: 'postgres:payments_transaction',
      runUrl: 'https://github.com/o/r/actions/runs/1',
      log: () => undefined,
      notPassed: 4790
    });
    expect(outcome.wouldOpen).toHaveLength(11);
    const summary = outcome.wouldOpen[10] as { title: string; body: string };
    expect(summary.title).toContain(`${SUMMARY_LISTED + 4790} more flagged`);
    expect(summary.body.length).toBeLessThan(65_536);
    expect(summary.body).toContain('4790 more are not listed');
    expect(summary.body.match(/<!-- fraud-scan:txn=/g)).toHaveLength(SUMMARY_LISTED);
  });
});

describe("reading PostgreSQL's timestamps fast", () => {
  it('gives the Date pg gives, on the fast path (UTC) and off it', () => {
    const pgParse = pg.types.getTypeParser(1184, 'text') as (value: string) => unknown;
    const cells = [
      '2026-01-01 00:00:02+00',
      '2026-03-01 12:00:00.5+00',
      '2026-03-01 12:00:00.123456+00',
      '1999-12-31 23:59:59.9995+00',
      '2024-02-29 23:59:59.999999+00',
      // Off the fast path: pg's own parser.
      '0050-01-01 00:00:00+00',
      '2026-01-01 00:00:00+05:30',
      '2026-01-01 00:00:00-08',
      '2026-01-01 00:00:00+00 BC',
      'infinity',
      '-infinity'
    ];
    for (const cell of cells) {
      const [got, want] = [parseTimestamptz(cell), pgParse(cell)];
      expect([cell, got instanceof Date ? got.getTime() : got]).toEqual([
        cell,
        want instanceof Date ? want.getTime() : want
      ]);
    }
  });
});
