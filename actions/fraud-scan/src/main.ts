import * as core from '@actions/core';
import path from 'node:path';
import { getOctokit } from '@actions/github';
import {
  getBooleanInput,
  getChoiceInput,
  getIntegerInput,
  getNumberInput,
  getOptionalInput
} from '../../shared/src/inputs.js';
import { appendSummary } from '../../shared/src/summary.js';
import { maskSecret } from '../../shared/src/secrets.js';
import { ConfigurationError } from '../../shared/src/errors.js';
import { DEFAULT_DETECTOR_OPTIONS, THRESHOLD_METHODS } from './model/detector.js';
import type { IssuesApi } from './issues/issues.js';
import { PROFILE_NAMES } from './features/profiles.js';
import { runScan, type ScanInputs } from './run.js';
import { parseInstant, parseWindow } from './sources/watermark.js';

/** owner/name as GitHub allows them. */
const REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;

/** Input "admin-url": an https URL (no credentials, query or fragment), or undefined. */
export function adminUrlInput(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigurationError(`Input "admin-url" must be an https URL or empty, got "${raw}".`);
  }
  if (url.protocol !== 'https:' || url.username || url.password || url.search || url.hash) {
    throw new ConfigurationError(
      `Input "admin-url" must be an https URL without credentials, query or fragment (the Django admin's root, e.g. https://shop.example.com/admin/), got "${raw}".`
    );
  }
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

/** Read and validate every input up front, then run the scan. */
export async function main(): Promise<void> {
  const databaseUrl = getOptionalInput('database-url');
  maskSecret(databaseUrl);
  const githubToken = getOptionalInput('github-token');
  maskSecret(githubToken);
  const issuesToken = getOptionalInput('issues-token');
  maskSecret(issuesToken);
  const issuesRepository = getOptionalInput('issues-repository');
  if (issuesRepository !== undefined && !REPOSITORY.test(issuesRepository)) {
    throw new ConfigurationError(
      `Input "issues-repository" must be owner/name, got "${issuesRepository}".`
    );
  }
  if (issuesRepository !== undefined && issuesToken === undefined) {
    throw new ConfigurationError(
      'Input "issues-token" is required when "issues-repository" is set: the workflow\'s github-token can write issues only in its own repository.'
    );
  }
  const token = issuesToken ?? githubToken;
  const tokenInput = issuesToken !== undefined ? 'issues-token' : 'github-token';
  const adminUrl = adminUrlInput(getOptionalInput('admin-url'));
  const allowPublicRepository = getBooleanInput('allow-public-repository', false);
  const fullScan = getBooleanInput('full-scan', false);
  const sinceInput = getOptionalInput('since');
  const since = sinceInput === undefined ? undefined : parseInstant(sinceInput, 'Input "since"');
  if (since && fullScan) {
    throw new ConfigurationError('Inputs "since" and "full-scan" exclude each other: set one.');
  }
  const aggregateWindowMs = parseWindow(
    getOptionalInput('aggregate-window') ?? 'all',
    'Input "aggregate-window"'
  );
  const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const resolve = (p: string | undefined): string | undefined =>
    p === undefined || p === 'postgres' || /^postgres(ql)?:\/\//.test(p)
      ? p
      : path.resolve(workspace, p);
  const source = getOptionalInput('source') ?? 'postgres';
  const [owner, repo] = (issuesRepository ?? process.env.GITHUB_REPOSITORY ?? '/').split('/');
  const runUrl = `${process.env.GITHUB_SERVER_URL ?? 'https://github.com'}/${process.env.GITHUB_REPOSITORY ?? ''}/actions/runs/${process.env.GITHUB_RUN_ID ?? ''}`;
  const inputs: ScanInputs = {
    source: resolve(source) as string,
    trainingSource: resolve(getOptionalInput('training-source')),
    databaseUrl,
    table: getOptionalInput('table'),
    profile: getChoiceInput('profile', PROFILE_NAMES, 'transactions'),
    modelPath: resolve(getOptionalInput('model')),
    train: getBooleanInput('train', false),
    modelOutput: resolve(getOptionalInput('model-output') ?? 'fraud-scan/model.json') as string,
    outputDir: resolve(getOptionalInput('output-dir') ?? 'fraud-scan') as string,
    thresholdQuantile: getNumberInput('threshold-quantile', {
      defaultValue: 0.99,
      min: 0.5,
      max: 0.99999
    }),
    thresholdMethod: getChoiceInput('threshold-method', THRESHOLD_METHODS, 'robust'),
    trim: getBooleanInput('trim', true),
    epochs: getIntegerInput('epochs', {
      defaultValue: DEFAULT_DETECTOR_OPTIONS.epochs,
      min: 1,
      max: 1000
    }),
    seed: getIntegerInput('seed', { defaultValue: 42, min: 0 }),
    batchSize: getIntegerInput('batch-size', { defaultValue: 5000, min: 100, max: 1_000_000 }),
    maxTrainingRows: getIntegerInput('max-training-rows', { defaultValue: 200_000, min: 100 }),
    maxIssues: getIntegerInput('max-issues', { defaultValue: 10, min: 0, max: 100 }),
    dryRun: getBooleanInput('dry-run', false),
    label: getOptionalInput('label') ?? 'fraud-suspect',
    repository: owner && repo ? { owner, repo } : undefined,
    otherRepository: issuesRepository !== undefined,
    allowPublicRepository,
    tokenInput,
    adminUrl,
    runUrl,
    fullScan,
    since,
    aggregateWindowMs
  };
  // A dry run reports without opening issues: its rows must still be raised by a later run.
  inputs.advanceWatermark = !inputs.dryRun;
  if (!inputs.dryRun && !token) {
    throw new ConfigurationError(
      'Input "github-token" (or "issues-token") is required unless dry-run is true.'
    );
  }
  const api: IssuesApi | undefined = token
    ? getOctokit(token, {
        baseUrl: process.env.GITHUB_API_URL ?? 'https://api.github.com'
      })
    : undefined;

  let lastLogged = 0;
  const outcome = await runScan(inputs, api, {
    log: (line) => core.info(line),
    progress: (phase, rows) => {
      if (rows - lastLogged >= 100_000 || rows < lastLogged) {
        lastLogged = rows;
        core.info(`${phase}: ${rows} rows`);
      }
    },
    onEpoch: (epoch, loss, valLoss) => {
      if (epoch % 10 === 0)
        core.info(`epoch ${epoch + 1}: loss ${loss.toFixed(4)}, val_loss ${valLoss.toFixed(4)}`);
    }
  });
  await appendSummary(outcome.summary);
  core.setOutput('rows', outcome.result.rows);
  core.setOutput('scored', outcome.result.scored);
  core.setOutput('invalid-rows', outcome.result.invalidRows);
  core.setOutput('flagged', outcome.result.flaggedCount);
  core.setOutput('issues-opened', outcome.issues.opened);
  core.setOutput('issues-commented', outcome.issues.commented);
  core.setOutput('threshold', outcome.detector.threshold);
  core.setOutput('model-path', outcome.modelPath);
  core.setOutput('trained', outcome.trained);
  core.setOutput('report-csv', outcome.reports.csv);
  core.setOutput('chart', outcome.reports.chartSvg);
  core.setOutput('summary', outcome.reports.summary);
  core.setOutput('prom-file', outcome.reports.prom);
  core.setOutput('scanned-since', outcome.scope.full ? '' : outcome.scope.from);
  core.setOutput('watermark', outcome.watermark ?? '');
}
