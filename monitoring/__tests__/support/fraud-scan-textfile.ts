/**
 * A `fraud_scan.prom` the way production gets one: the real fraud-scan CLI (the committed
 * bundle, actions/fraud-scan/dist/cli.js) trains a small model and scores a synthetic
 * transactions table, and writes its node_exporter textfile. The stack's monitoring-server
 * node_exporter then exposes it, as the fetch timer's copy does on the server.
 *
 * actions/fraud-scan/ is read, never changed: its generator makes the rows, its CLI the file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  syntheticTransactions,
  toCsv
} from '../../../actions/fraud-scan/src/research/synthetic.js';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');
export const FRAUD_SCAN_CLI = join(REPO_ROOT, 'actions', 'fraud-scan', 'dist', 'cli.js');

/** The metric names the scan writes (actions/fraud-scan's README; they do not change). */
export const FRAUD_SCAN_METRICS = [
  'fraud_scan_rows',
  'fraud_scan_scored_rows',
  'fraud_scan_invalid_rows',
  'fraud_scan_flagged_rows',
  'fraud_scan_threshold',
  'fraud_scan_error_quantile',
  'fraud_scan_duration_seconds',
  'fraud_scan_last_run_timestamp_seconds'
] as const;

/**
 * Runs the CLI on a few thousand synthetic transactions (training 2 epochs: seconds) and
 * returns the text of the `fraud_scan.prom` it wrote. Throws with the CLI's output if it fails.
 */
export function produceFraudScanTextfile(): string {
  if (!existsSync(FRAUD_SCAN_CLI))
    throw new Error(`${FRAUD_SCAN_CLI} is missing (npm run build builds the action bundles)`);
  const work = mkdtempSync(join(tmpdir(), 'fraud-scan-textfile-'));
  try {
    // About 3,000 rows, fraud patterns included, so some rows score above the threshold.
    const rows = syntheticTransactions({ seed: 11, normalUsers: 800, fraudEvents: 4 });
    const csv = join(work, 'transactions.csv');
    writeFileSync(csv, toCsv(rows));
    const out = join(work, 'out');
    const result = spawnSync(
      process.execPath,
      [
        FRAUD_SCAN_CLI,
        '--source',
        csv,
        '--profile',
        'transactions',
        '--train',
        '--epochs',
        '2',
        '--max-training-rows',
        '2000',
        '--output-dir',
        out,
        '--model-output',
        join(out, 'model.json')
      ],
      { cwd: work, encoding: 'utf8', timeout: 120_000, env: { ...process.env, GITHUB_TOKEN: '' } }
    );
    if (result.status !== 0)
      throw new Error(
        `fraud-scan CLI exited with ${result.status ?? result.signal}:\n${result.stdout}\n${result.stderr}`
      );
    const file = join(out, 'fraud_scan.prom');
    if (!existsSync(file))
      throw new Error(`fraud-scan CLI wrote no ${file}:\n${result.stdout}\n${result.stderr}`);
    return readFileSync(file, 'utf8');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
