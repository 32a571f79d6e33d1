#!/usr/bin/env node
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigurationError, errorMessage } from '../../shared/src/errors.js';
import { reconstructionErrors } from './model/autoencoder.js';
import {
  DEFAULT_DETECTOR_OPTIONS,
  type DetectorOptions,
  scoreFeatureRows,
  THRESHOLD_METHODS,
  type ThresholdMethod,
  trainDetector
} from './model/detector.js';
import { evaluate, featurize } from './research/evaluate.js';
import { encodedWidth } from './model/preprocessing.js';
import { syntheticTransactions } from './research/synthetic.js';
import type { IssuesApi } from './issues/issues.js';
import type { FeatureProfile } from './features/profile.js';
import type { Row } from './features/row.js';
import { PROFILE_NAMES, PROFILES } from './features/profiles.js';
import { DEFAULT_AGGREGATE_WINDOW_MS, runScan } from './run.js';
import { parseInstant, parseWindow } from './sources/watermark.js';
import { reproduceOriginal, ORIGINAL_PUBLISHED } from './research/original-pipeline.js';
import { CsvSource } from './sources/csv.js';
import { errorStats } from './numeric/stats.js';
import { type BenchResult, runPerturbationBench } from './research/bench/perturbation.js';
import { benchTable } from './research/bench/table.js';

const USAGE = `Usage:
  npm run fraud-scan -- [scan] --source <file.csv|file.sqlite3|postgres> [options]
  npm run fraud-scan -- reproduce-original --original-data <dir>
      the original Keras pipeline, rebuilt, side by side with its published figures
  npm run fraud-scan -- evaluate --original-data <dir>
      recall / FPR / ROC-AUC / PR-AUC beside the original Keras model
  <dir> holds the original project's training_data.csv and account_stripemodel_fraud_data.csv
  npm run fraud-scan -- perturbation-bench [--profile transactions|stripemodel|both]
      [--seeds 1,2,3] [--magnitudes 1,2] [--accounts 800] [--instances 20] [--original-data <dir>]
      recall per kind of perturbed held-out rows and FPR on untouched ones, per seed and magnitude

Scan options:
  --profile transactions|stripemodel   feature profile (default transactions)
  --table NAME              table for SQLite/PostgreSQL (default: the profile's)
  --database-url URL        PostgreSQL URL when --source postgres (or DATABASE_URL)
  --model FILE              score with this model (trains when absent or with --train)
  --train                   train (on --training-source, default the source) before scoring
  --training-source SPEC    rows to train on
  --model-output FILE       where a trained model is saved (default fraud-scan/model.json)
  --output-dir DIR          reports (default fraud-scan)
  --threshold-quantile Q    quantile of validation errors used as threshold (default 0.99)
  --threshold-method M      robust (far-out held-out errors set aside first; default) or empirical
  --no-trim                 fit once (default: fit again without the rows the first fit could not reconstruct)
  --epochs N  --seed N  --batch-size N  --max-training-rows N
  --max-issues N            issues per run before one summary issue (default 10)
  --open-issues             open GitHub issues (needs GITHUB_TOKEN and GITHUB_REPOSITORY); default is a dry run
  --full-scan               scan every row (default with a model and a PostgreSQL/SQLite source:
                            only the rows since the last scan, kept in <model>.watermark.json)
  --since DATE              scan the rows created at or after DATE (2026-03-01, 2026-03-01T06:00:00Z)
  --aggregate-window D      how far before the new rows cross-row aggregates look: all (default,
                            the whole table, as training counts) or 30d, 12h, 90m
A scan advances the watermark when it succeeds, dry run or not (the reports are the CLI's output).
SQLite sources need Node.js 22.5 or newer (node:sqlite); the action runs on Node 24.`;

const write = (line: string): void => void process.stdout.write(`${line}\n`);

/** A progress line that redraws itself on a terminal and prints every ~5 s otherwise. */
function progressPrinter(): { progress: (phase: string, rows: number) => void; done: () => void } {
  const tty = process.stderr.isTTY;
  let last = 0;
  return {
    progress(phase, rows) {
      const now = Date.now();
      if (tty) process.stderr.write(`\r${phase}: ${rows.toLocaleString('en-US')} rows   `);
      else if (now - last > 5000) {
        last = now;
        process.stderr.write(`${phase}: ${rows} rows\n`);
      }
    },
    done() {
      if (tty) process.stderr.write('\n');
    }
  };
}

async function readCsv(file: string): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const batch of new CsvSource(file).batches(10_000)) rows.push(...batch);
  return rows;
}

/** The original project's two files: its normal table and its fraud file. */
function originalDataFiles(dir: string | undefined): { normal: string; fraud: string } {
  if (!dir) throw new ConfigurationError('--original-data <dir> is required.');
  const normal = path.join(dir, 'training_data.csv');
  const fraud = path.join(dir, 'account_stripemodel_fraud_data.csv');
  for (const f of [normal, fraud])
    if (!existsSync(f)) throw new ConfigurationError(`Original data file ${f} does not exist.`);
  return { normal, fraud };
}

const f4 = (n: number): string => n.toFixed(4);
const pad = (s: string, n: number): string => s.padEnd(n);

async function reproduce(
  dir: string | undefined,
  seed: number,
  epochs: number,
  json: boolean
): Promise<void> {
  const files = originalDataFiles(dir);
  const normal = await readCsv(files.normal);
  const fraud = await readCsv(files.fraud);
  process.stderr.write(
    `Training the original Keras model on ${normal.length} rows (up to ${epochs} epochs)...\n`
  );
  const r = await reproduceOriginal(normal, fraud, seed, epochs);
  if (json) {
    // The same keys as scripts/bench/fraud-original-keras.py, for the side-by-side benchmark.
    const matrix = r.fraudMatrix;
    const repeat = 20;
    const started = performance.now();
    for (let i = 0; i < repeat; i++) r.run.score(matrix);
    const seconds = (performance.now() - started) / 1000;
    write(
      JSON.stringify({
        rows_after_cleaning: r.rowsAfterCleaning,
        train_rows: r.trainRows,
        test_rows: r.testRows,
        trainable_parameters: r.run.parameters,
        epochs_run: r.run.epochsRun,
        training_seconds: r.run.seconds,
        threshold: r.run.threshold,
        test_errors: r.run.thresholdErrors,
        test_anomalies: r.run.thresholdAnomalies,
        fraud_rows: r.fraudRows,
        fraud_anomalies: r.fraudAnomalies,
        scoring_rows_per_second: (repeat * r.fraudRows) / seconds
      })
    );
    return;
  }
  const s = r.run.thresholdErrors;
  const p = ORIGINAL_PUBLISHED;
  const rows: [string, string, string][] = [
    ['trainable parameters', String(p.trainableParameters), String(r.run.parameters)],
    [
      'rows after cleaning / train / test',
      '? / ? / 601',
      `${r.rowsAfterCleaning} / ${r.trainRows} / ${r.testRows}`
    ],
    ['epochs run (early stopping, patience 10)', '?', String(r.run.epochsRun)],
    ['threshold (p95 of test errors)', f4(p.threshold), f4(r.run.threshold)],
    ['test error mean', f4(p.errors.mean), f4(s.mean)],
    ['test error median', f4(p.errors.median), f4(s.median)],
    ['test error min', f4(p.errors.min), f4(s.min)],
    ['test error max', f4(p.errors.max), f4(s.max)],
    ['test error std', f4(p.errors.std), f4(s.std)],
    [
      'anomalies in the test set',
      `${p.testAnomalies} (${(p.testShare * 100).toFixed(2)}%)`,
      `${r.run.thresholdAnomalies} (${((r.run.thresholdAnomalies / r.testRows) * 100).toFixed(2)}%)`
    ],
    [
      'anomalies in the fraud file',
      `${p.fraudAnomalies} of ${p.fraudRows} (${(p.fraudShare * 100).toFixed(2)}%)`,
      `${r.fraudAnomalies} of ${r.fraudRows} (${((r.fraudAnomalies / r.fraudRows) * 100).toFixed(2)}%)`
    ],
    ['training seconds', '?', r.run.seconds.toFixed(1)]
  ];
  write(`${pad('', 44)}${pad('original (published)', 22)}ours (TensorFlow.js)`);
  for (const [k, a, b] of rows) write(`${pad(k, 44)}${pad(a, 22)}${b}`);

  // What the fraud-file figure measures: how far each row's user_id lies outside the range of
  // user ids the model was trained on.
  const maxUser = Math.max(...normal.map((x) => Number(x.user_id)).filter(Number.isFinite));
  const inRange = fraud.map((x, i) => ({
    inside: Number(x.user_id) <= maxUser,
    flagged: (r.fraudErrors[i] as number) > r.run.threshold
  }));
  const share = (xs: { flagged: boolean }[]): string =>
    `${xs.filter((x) => x.flagged).length} of ${xs.length} (${((xs.filter((x) => x.flagged).length / Math.max(1, xs.length)) * 100).toFixed(1)}%)`;
  write('');
  write(
    `Evidence: training user_id values go up to ${maxUser}; fraud-file user_id values span ${Math.min(...fraud.map((x) => Number(x.user_id)))}–${Math.max(...fraud.map((x) => Number(x.user_id)))}.`
  );
  write(
    `  flagged among fraud rows with user_id <= ${maxUser}: ${share(inRange.filter((x) => x.inside))}`
  );
  write(
    `  flagged among fraud rows with user_id >  ${maxUser}: ${share(inRange.filter((x) => !x.inside))}`
  );
  const sorted = [...r.fraudErrors]
    .map((e, i) => ({ e, u: Number(fraud[i]?.user_id) }))
    .sort((a, b) => a.u - b.u);
  const q = (lo: number, hi: number): string => {
    const xs = sorted.slice(Math.floor(sorted.length * lo), Math.floor(sorted.length * hi));
    return `user_id ${xs[0]?.u}–${xs[xs.length - 1]?.u}: median error ${f4(errorStats(xs.map((x) => x.e)).median)}`;
  };
  write(
    `  fraud rows by user_id quartile: ${q(0, 0.25)}; ${q(0.25, 0.5)}; ${q(0.5, 0.75)}; ${q(0.75, 1)}`
  );
}

async function runEvaluate(
  dir: string | undefined,
  seed: number,
  epochs: number,
  thresholdQuantile: number,
  ablations: boolean
): Promise<void> {
  const files = originalDataFiles(dir);
  const normal = await readCsv(files.normal);
  const fraud = await readCsv(files.fraud);
  process.stderr.write(`Evaluating on ${normal.length} normal and ${fraud.length} fraud rows...\n`);
  const result = await evaluate(PROFILES.stripemodel, normal, fraud, {
    seed,
    epochs,
    thresholdQuantile,
    ablations: ablations
      ? [
          {
            name: 'without card-number checks (Luhn, issuer range, brand)',
            drop: ['card_luhn_valid', 'card_brand_length_fits', 'card_brand']
          },
          { name: 'without name/email consistency', drop: ['name_in_email'] },
          {
            name: 'without address consistency',
            drop: [
              'city_matches_state',
              'zip_matches_state',
              'postal_code_well_formed',
              'address_complete',
              'country_us'
            ]
          },
          {
            name: 'without cross-account counts',
            drop: ['cards_per_user', 'users_per_name', 'users_per_card']
          },
          {
            name: 'cross-account counts and address only',
            drop: [
              'card_luhn_valid',
              'card_brand_length_fits',
              'card_brand',
              'name_in_email',
              'exp_month_valid'
            ]
          }
        ]
      : []
  });
  const s = result.split;
  write(
    `Split (seed ${seed}): normal rows → train ${s.train}, validation ${s.validation}, test ${s.test}; fraud rows ${s.fraud} (never trained on). Unusable: ${s.unusableNormal} normal, ${s.unusableFraud} fraud.`
  );
  write(
    `${pad('model', 78)}${pad('threshold', 11)}${pad('recall', 9)}${pad('FPR', 8)}${pad('ROC-AUC', 9)}${pad('PR-AUC', 9)}train s`
  );
  for (const m of result.rows) {
    write(
      `${pad(m.model, 78)}${pad(f4(m.threshold), 11)}${pad(`${(m.recall * 100).toFixed(1)}%`, 9)}${pad(`${(m.fpr * 100).toFixed(1)}%`, 8)}${pad(m.rocAuc.toFixed(4), 9)}${pad(m.prAuc.toFixed(4), 9)}${m.seconds.toFixed(1)}`
    );
  }
  const ours = result.rows[0];
  if (ours)
    write(
      `Target (recall >= 95% at FPR <= 2%): ${ours.recall >= 0.95 && ours.fpr <= 0.02 ? 'met' : 'NOT met'}.`
    );
}

/**
 * Scoring throughput on synthetic transactions (scripts/bench/fraud-throughput.sh): a model
 * trained on a sample, then every row featurized and scored in batches, timed apart from the
 * model-only cost on the same number of rows (the baseline, measured in the same run).
 */
async function benchThroughput(rows: number, batchSize: number, seed: number): Promise<void> {
  const users = Math.max(100, Math.round(rows / 3.5));
  let t = performance.now();
  const data = syntheticTransactions({
    seed,
    normalUsers: users,
    fraudEvents: Math.max(5, Math.round(rows / 2000))
  });
  write(
    `generated ${data.length} synthetic transactions in ${((performance.now() - t) / 1000).toFixed(1)} s`
  );
  const profile = PROFILES.transactions;
  const sample = featurize(profile, data.slice(0, 20_000)).values;
  const detector = await trainDetector(profile, sample, {
    ...DEFAULT_DETECTOR_OPTIONS,
    epochs: 5,
    seed
  });
  t = performance.now();
  const aggregate = profile.newAggregate();
  for (const row of data) aggregate.add(row);
  const aggregateSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  let scored = 0;
  let flagged = 0;
  for (let i = 0; i < data.length; i += batchSize) {
    const values: (number | string)[][] = [];
    for (const row of data.slice(i, i + batchSize)) {
      const e = profile.extract(row, aggregate);
      if (e.ok) values.push(e.values);
    }
    const errors = scoreFeatureRows(detector, values).errors;
    scored += errors.length;
    for (const e of errors) if (e > detector.threshold) flagged++;
  }
  const scoreSeconds = (performance.now() - t) / 1000;
  const width = encodedWidth(detector.preprocessing);
  const matrix = new Float32Array(batchSize * width).fill(0.5);
  t = performance.now();
  for (let done = 0; done < scored; done += batchSize)
    reconstructionErrors(detector.model, matrix, width);
  const modelSeconds = (performance.now() - t) / 1000;
  const endToEnd = aggregateSeconds + scoreSeconds;
  write(
    `rows scored: ${scored} (flagged ${flagged}); model inputs per row: ${width}; batch ${batchSize}`
  );
  write(
    `aggregate pass: ${aggregateSeconds.toFixed(2)} s; features + scoring pass: ${scoreSeconds.toFixed(2)} s`
  );
  write(`end to end: ${(scored / endToEnd).toFixed(0)} rows/s (${endToEnd.toFixed(2)} s)`);
  write(
    `baseline, model only (predict + errors on the same number of rows): ${(scored / modelSeconds).toFixed(0)} rows/s (${modelSeconds.toFixed(2)} s)`
  );
  write(`ratio end-to-end / model-only time: ${(endToEnd / modelSeconds).toFixed(2)}x`);
}

async function perturbationBench(o: {
  profiles: ('transactions' | 'stripemodel')[];
  seeds: number[];
  magnitudes: number[];
  accounts: number;
  instances: number;
  detector: Partial<DetectorOptions>;
  originalData: string | undefined;
  json: boolean;
}): Promise<void> {
  for (const p of o.profiles) {
    if (!PROFILE_NAMES.includes(p))
      throw new ConfigurationError(
        `--profile must be transactions, stripemodel or both, got "${p}".`
      );
  }
  const results: BenchResult[] = [];
  let originalRows: Row[] | undefined;
  if (o.originalData && o.profiles.includes('stripemodel')) {
    originalRows = await readCsv(originalDataFiles(o.originalData).normal);
  }
  for (const profile of o.profiles) {
    const sources: (Row[] | undefined)[] = [
      undefined,
      ...(profile === 'stripemodel' && originalRows ? [originalRows] : [])
    ];
    for (const normalRows of sources) {
      for (const seed of o.seeds) {
        for (const magnitude of o.magnitudes) {
          const r = await runPerturbationBench({
            profile,
            seed,
            magnitude,
            accounts: o.accounts,
            instancesPerKind: o.instances,
            detector: o.detector,
            normalRows,
            original: profile === 'stripemodel'
          });
          process.stderr.write(
            `${profile} (${r.generator}) seed ${seed} ×${magnitude}: recall ${(
              (r.kinds.reduce((s, k) => s + k.flagged, 0) /
                Math.max(
                  1,
                  r.kinds.reduce((s, k) => s + k.rows, 0)
                )) *
              100
            ).toFixed(
              1
            )}%, FPR ${((r.flaggedNormal / r.heldOutRows) * 100).toFixed(1)}% (${r.seconds.toFixed(0)} s)\n`
          );
          results.push(r);
        }
      }
    }
  }
  write(o.json ? JSON.stringify(results) : benchTable(results));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const command = argv[0] && !argv[0].startsWith('-') ? (argv.shift() as string) : 'scan';
  const { values } = parseArgs({
    args: argv,
    options: {
      source: { type: 'string' },
      profile: { type: 'string', default: 'transactions' },
      table: { type: 'string' },
      'database-url': { type: 'string' },
      model: { type: 'string' },
      train: { type: 'boolean', default: false },
      'training-source': { type: 'string' },
      'model-output': { type: 'string', default: 'fraud-scan/model.json' },
      'output-dir': { type: 'string', default: 'fraud-scan' },
      'threshold-quantile': { type: 'string', default: '0.99' },
      'threshold-method': { type: 'string', default: 'robust' },
      trim: { type: 'boolean', default: true },
      epochs: { type: 'string', default: String(DEFAULT_DETECTOR_OPTIONS.epochs) },
      seed: { type: 'string', default: '42' },
      'batch-size': { type: 'string', default: '5000' },
      'max-training-rows': { type: 'string', default: '200000' },
      'max-issues': { type: 'string', default: '10' },
      'open-issues': { type: 'boolean', default: false },
      'full-scan': { type: 'boolean', default: false },
      since: { type: 'string' },
      'aggregate-window': { type: 'string' },
      'original-data': { type: 'string' },
      ablations: { type: 'boolean', default: true },
      json: { type: 'boolean', default: false },
      rows: { type: 'string', default: '1000000' },
      seeds: { type: 'string', default: '1,2,3' },
      magnitudes: { type: 'string', default: '1,2' },
      accounts: { type: 'string', default: '800' },
      instances: { type: 'string', default: '20' },
      'calibration-quantile': { type: 'string' },
      'error-floor': { type: 'string' },
      encoder: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false }
    },
    allowNegative: true
  });
  if (values.help) return write(USAGE);
  const num = (name: keyof typeof values): number => {
    const v = Number(values[name]);
    if (!Number.isFinite(v))
      throw new ConfigurationError(`--${name} must be a number, got "${values[name]}".`);
    return v;
  };
  if (command === 'reproduce-original')
    return reproduce(values['original-data'], num('seed'), num('epochs'), values.json);
  if (command === 'bench-throughput')
    return benchThroughput(num('rows'), num('batch-size'), num('seed'));
  if (command === 'perturbation-bench') {
    const list = (name: 'seeds' | 'magnitudes'): number[] =>
      String(values[name])
        .split(',')
        .map((v) => {
          const n = Number(v);
          if (!Number.isInteger(n) || n < 1)
            throw new ConfigurationError(`--${name} takes positive integers, got "${v}".`);
          return n;
        });
    return perturbationBench({
      profiles:
        values.profile === 'both'
          ? ['transactions', 'stripemodel']
          : [values.profile as 'transactions' | 'stripemodel'],
      seeds: list('seeds'),
      magnitudes: list('magnitudes'),
      accounts: num('accounts'),
      instances: num('instances'),
      detector: {
        epochs: num('epochs'),
        thresholdMethod: values['threshold-method'] as ThresholdMethod,
        ...(values['calibration-quantile']
          ? { calibrationQuantile: num('calibration-quantile') }
          : {}),
        ...(values['error-floor'] ? { errorFloor: num('error-floor') } : {}),
        ...(values.encoder ? { encoder: String(values.encoder).split(',').map(Number) } : {})
      },
      originalData: values['original-data'],
      json: values.json
    });
  }
  if (command === 'evaluate')
    return runEvaluate(
      values['original-data'],
      num('seed'),
      num('epochs'),
      num('threshold-quantile'),
      values.ablations
    );
  if (command !== 'scan') throw new ConfigurationError(`Unknown command "${command}".\n${USAGE}`);
  const thresholdMethod = values['threshold-method'] as ThresholdMethod;
  if (!THRESHOLD_METHODS.includes(thresholdMethod)) {
    throw new ConfigurationError(
      `--threshold-method must be one of ${THRESHOLD_METHODS.join(', ')}, got "${thresholdMethod}".`
    );
  }
  if (!values.source) throw new ConfigurationError(`--source is required.\n${USAGE}`);
  if (!PROFILE_NAMES.includes(values.profile as FeatureProfile['name'])) {
    throw new ConfigurationError(
      `--profile must be one of ${PROFILE_NAMES.join(', ')}, got "${values.profile}".`
    );
  }
  const since = values.since === undefined ? undefined : parseInstant(values.since, '--since');
  if (since && values['full-scan']) {
    throw new ConfigurationError('--since and --full-scan exclude each other: pass one.');
  }
  const aggregateWindowMs =
    values['aggregate-window'] === undefined
      ? DEFAULT_AGGREGATE_WINDOW_MS
      : parseWindow(values['aggregate-window'], '--aggregate-window');
  let api: IssuesApi | undefined;
  const [owner, repo] = (process.env.GITHUB_REPOSITORY ?? '').split('/');
  if (values['open-issues']) {
    const token = process.env.GITHUB_TOKEN;
    if (!token || !owner || !repo)
      throw new ConfigurationError(
        '--open-issues needs GITHUB_TOKEN and GITHUB_REPOSITORY (owner/name).'
      );
    const { getOctokit } = await import('@actions/github');
    api = getOctokit(token, {
      baseUrl: process.env.GITHUB_API_URL ?? 'https://api.github.com'
    });
  }
  const printer = progressPrinter();
  const outcome = await runScan(
    {
      source: values.source,
      trainingSource: values['training-source'],
      databaseUrl: values['database-url'] ?? process.env.DATABASE_URL,
      table: values.table,
      profile: values.profile as FeatureProfile['name'],
      modelPath: values.model,
      train: values.train,
      modelOutput: values['model-output'],
      outputDir: values['output-dir'],
      thresholdQuantile: num('threshold-quantile'),
      thresholdMethod,
      trim: values.trim,
      epochs: num('epochs'),
      seed: num('seed'),
      batchSize: num('batch-size'),
      maxTrainingRows: num('max-training-rows'),
      maxIssues: num('max-issues'),
      dryRun: !values['open-issues'],
      label: 'fraud-suspect',
      repository: owner && repo ? { owner, repo } : undefined,
      runUrl: 'local run (CLI)',
      fullScan: values['full-scan'],
      since,
      aggregateWindowMs,
      advanceWatermark: true
    },
    api,
    {
      log: (line) => {
        printer.done();
        write(line);
      },
      progress: printer.progress,
      onEpoch: (epoch, loss, valLoss) =>
        process.stderr.write(
          `${process.stderr.isTTY ? '\r' : ''}epoch ${epoch + 1}: loss ${loss.toFixed(4)} val_loss ${valLoss.toFixed(4)}${process.stderr.isTTY ? '   ' : '\n'}`
        )
    }
  );
  printer.done();
  write('');
  write(outcome.summary);
  write('');
  write(`Reports: ${Object.values(outcome.reports).join(', ')}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`fraud-scan: ${errorMessage(error)}\n`);
  process.exitCode = error instanceof ConfigurationError ? 2 : 1;
});
