/**
 * The model file is the contract between this action and the shop's backend, which scores each
 * charge at checkout with its own NumPy reading of the file (app/backend/fraud/). This test holds
 * the two to each other: a table filled by the backend's `generate_demo_transactions`, a model
 * trained on it by the committed CLI bundle, and every row scored by both — the CLI through its
 * flagged.csv, the backend through `manage.py fraud_score_table`.
 *
 * flagged.csv lists only rows above the threshold and only a row's score (its largest calibrated
 * feature error), so the CLI scans copies of the model that differ from it in what a score is
 * made of, never in the network or the features: a threshold of 0 lists every row's score; scales
 * of 1 for one scoring unit and 1e30 for the others make the score that unit's own error.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { createDatabase, type TestDatabase } from './support/postgres.js';
import { repoRoot, runnerNode } from '../../../tests/kit/action-bundle.js';

const run = promisify(execFile);
const PYTHON = path.join(repoRoot, '.venv', 'bin', 'python');
const CLI = path.join(repoRoot, 'actions/fraud-scan/dist/cli.js');
const UNTIL = '2026-06-15T12:00:00+00:00';
// Agreement required: 1e-5, relative to the value above 1 (float32 carries ~7 digits: a score of
// 2,000 is only held to its last float32 bits by 1e-5 absolute).
const TOLERANCE = 1e-5;
const dir = mkdtempSync(path.join(tmpdir(), 'fraud-parity-'));
let db: TestDatabase;

type Model = { threshold: number; scoring: { scales: number[] } } & Record<string, unknown>;
let units: string[];
/** id → score, and id → each unit's error, from each side. */
const cli = { scores: new Map<string, number>(), errors: new Map<string, number[]>() };
const backend = { scores: new Map<string, number>(), errors: new Map<string, number[]>() };

function manage(...args: string[]): void {
  execFileSync(PYTHON, ['manage.py', ...args], {
    cwd: path.join(repoRoot, 'app', 'backend'),
    env: { ...process.env, DATABASE_URL: db.url, DJANGO_ENV: 'development', LOG_LEVEL: 'WARNING' },
    stdio: ['ignore', 'ignore', 'pipe']
  });
}

function scan(args: string[]): Promise<unknown> {
  return run(
    runnerNode(),
    [
      CLI,
      'scan',
      '--source',
      'postgres',
      '--database-url',
      db.url,
      '--profile',
      'transactions',
      ...args
    ],
    { timeout: 120_000 }
  );
}

/** A copy of the model whose every row is over the threshold, scored as `scales` says. */
async function scanScores(
  model: Model,
  name: string,
  scales: number[]
): Promise<Map<string, number>> {
  const file = path.join(dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({ ...model, threshold: 0, scoring: { ...model.scoring, scales } })
  );
  await scan(['--model', file, '--output-dir', path.join(dir, name)]);
  const rows = parse<Record<string, string>>(readFileSync(path.join(dir, name, 'flagged.csv')), {
    columns: true
  });
  return new Map(rows.map((r) => [r.id as string, Number(r.score)]));
}

beforeAll(async () => {
  if (!existsSync(PYTHON)) {
    throw new Error(
      `the backend's virtualenv is missing (${PYTHON}): run \`bash scripts/test fraud\``
    );
  }
  db = await createDatabase('fraud_parity');
  manage('migrate', '--no-input', '-v', '0');
  manage('generate_demo_transactions', '--seed', '1', '--users', '300', '--until', UNTIL);
  const modelFile = path.join(dir, 'model.json');
  // Few epochs: agreement does not depend on how well the model learned.
  await scan([
    '--train',
    '--model-output',
    modelFile,
    '--output-dir',
    path.join(dir, 'train'),
    '--epochs',
    '10'
  ]);

  manage('fraud_score_table', '--model', modelFile, '--output', path.join(dir, 'backend.csv'));
  const rows = parse<Record<string, string>>(readFileSync(path.join(dir, 'backend.csv')), {
    columns: true
  });
  units = Object.keys(rows[0] ?? {}).filter((c) => !['id', 'score', 'drivers'].includes(c));
  for (const r of rows) {
    backend.scores.set(r.id as string, Number(r.score));
    backend.errors.set(
      r.id as string,
      units.map((u) => Number(r[u]))
    );
  }

  const model = JSON.parse(readFileSync(modelFile, 'utf8')) as Model;
  expect(model.scoring.scales).toHaveLength(units.length);
  cli.scores = await scanScores(model, 'all', model.scoring.scales);
  // One scan per scoring unit, four at a time.
  const perUnit: Map<string, number>[] = [];
  for (let from = 0; from < units.length; from += 4) {
    const batch = units.slice(from, from + 4).map((_, k) =>
      scanScores(
        model,
        `unit-${from + k}`,
        units.map((__, j) => (j === from + k ? 1 : 1e30))
      )
    );
    perUnit.push(...(await Promise.all(batch)));
  }
  for (const id of backend.scores.keys()) {
    // A unit whose error is exactly 0 scores 0, which is not over the threshold 0: not listed.
    cli.errors.set(
      id,
      perUnit.map((scores) => scores.get(id) ?? 0)
    );
  }
}, 300_000);

afterAll(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const within = (a: number, b: number): boolean =>
  Math.abs(a - b) <= TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));

describe('the backend scores the rows of payments_transaction as the CLI does', () => {
  it('scores every row, and each score agrees to 1e-5', () => {
    expect(backend.scores.size).toBeGreaterThan(1000);
    expect([...cli.scores.keys()].sort()).toEqual([...backend.scores.keys()].sort());
    let maxAbs = 0;
    let maxRel = 0;
    const off: string[] = [];
    for (const [id, score] of backend.scores) {
      const theirs = cli.scores.get(id) as number;
      maxAbs = Math.max(maxAbs, Math.abs(score - theirs));
      maxRel = Math.max(maxRel, Math.abs(score - theirs) / Math.max(1, Math.abs(theirs)));
      if (!within(score, theirs)) off.push(`row ${id}: backend ${score}, CLI ${theirs}`);
    }
    process.stderr.write(
      `  parity, ${backend.scores.size} rows: score max |diff| ${maxAbs.toExponential(2)}, max |diff|/max(1,|score|) ${maxRel.toExponential(2)}\n`
    );
    expect(off).toEqual([]);
  });

  it("agrees on each feature's error to 1e-5", () => {
    let maxAbs = 0;
    const off: string[] = [];
    for (const [id, errors] of backend.errors) {
      const theirs = cli.errors.get(id) as number[];
      errors.forEach((e, u) => {
        maxAbs = Math.max(maxAbs, Math.abs(e - (theirs[u] as number)));
        if (!within(e, theirs[u] as number))
          off.push(`row ${id} ${units[u]}: backend ${e}, CLI ${theirs[u]}`);
      });
    }
    process.stderr.write(
      `  parity, per-feature errors (${units.length} units): max |diff| ${maxAbs.toExponential(2)}\n`
    );
    expect(off.slice(0, 10)).toEqual([]);
  });
});
