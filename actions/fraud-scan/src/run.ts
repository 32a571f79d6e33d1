import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigurationError } from '../../shared/src/errors.js';
import {
  DEFAULT_DETECTOR_OPTIONS,
  type Detector,
  type ThresholdMethod,
  trainDetector
} from './model/detector.js';
import {
  type IssueOptions,
  type IssueOutcome,
  type IssuesApi,
  openIssues,
  ROWS_PER_ISSUE,
  SUMMARY_LISTED
} from './issues/issues.js';
import { clusterKeys } from './issues/clusters.js';
import { checkRepository, type IssueHistory, readHistory } from './issues/history.js';
import { loadDetector, saveDetector } from './model/model-file.js';
import type { FeatureProfile } from './features/profile.js';
import { PROFILES } from './features/profiles.js';
import {
  FlaggedCsvWriter,
  mermaidHistogram,
  type ReportPaths,
  summaryMarkdown,
  svgHistogram,
  writeReports
} from './report/report.js';
import {
  describeInvalid,
  type Progress,
  readTrainingRows,
  type ScanResult,
  scanSource
} from './scan.js';
import { CsvSource } from './sources/csv.js';
import { PostgresSource } from './sources/postgres.js';
import type { Source } from './sources/source.js';
import { SqliteSource } from './sources/sqlite.js';
import {
  MarkTracker,
  OVERLAP_MS,
  readWatermark,
  type Since,
  sinceInstant,
  sinceMark,
  type WatermarkFile,
  watermarkPath,
  writeWatermark
} from './sources/watermark.js';

/** Everything a scan needs, already validated (the action and the CLI both build this). */
export interface ScanInputs {
  /** A CSV/SQLite path, or "postgres" (then databaseUrl). */
  source: string;
  trainingSource?: string;
  databaseUrl?: string;
  table?: string;
  profile: FeatureProfile['name'];
  modelPath?: string;
  train: boolean;
  modelOutput: string;
  outputDir: string;
  thresholdQuantile: number;
  thresholdMethod: ThresholdMethod;
  trim: boolean;
  epochs: number;
  seed: number;
  batchSize: number;
  maxTrainingRows: number;
  maxIssues: number;
  dryRun: boolean;
  label: string;
  /** Where issues go: the workflow's repository or input "issues-repository". */
  repository?: { owner: string; repo: string };
  /** Issues go to another repository than the workflow's (input "issues-repository"). */
  otherRepository?: boolean;
  /** Open issues in a public or internal repository (input "allow-public-repository"). */
  allowPublicRepository?: boolean;
  /** The input holding the token that writes issues, named in errors. */
  tokenInput?: string;
  /** Django admin root (https://…/admin/): each flagged row links to its change page. */
  adminUrl?: string;
  runUrl: string;
  /** Scan every row, whatever the watermark says (input "full-scan"). */
  fullScan?: boolean;
  /** Scan the rows created at or after this instead of those since the watermark (input "since"). */
  since?: Date;
  /**
   * How far before the first new row the cross-row aggregates look (input "aggregate-window");
   * Infinity, the default: the whole table.
   */
  aggregateWindowMs?: number;
  /** Write the watermark after a successful scan (the action: not on a dry run). */
  advanceWatermark?: boolean;
}

/**
 * The default of input "aggregate-window": `all`, the whole table. Training, a full scan and
 * the backend's scoring at checkout count every earlier row of an account, card or IP; a night
 * that counted fewer would give the model counts it was not trained on (a card used every month
 * for a year would look new).
 */
export const DEFAULT_AGGREGATE_WINDOW_MS = Number.POSITIVE_INFINITY;

export interface ScanOutcome {
  result: ScanResult;
  /** The rows read: all of them, or those since this instant. */
  scope: { full: true; reason: string } | { full: false; from: string; reason: string };
  /** The watermark file written after the scan, if any. */
  watermark?: string;
  detector: Detector;
  trained: boolean;
  modelPath: string;
  reports: ReportPaths;
  summary: string;
  issues: IssueOutcome;
}

export interface Hooks {
  log: (line: string) => void;
  progress?: Progress;
  onEpoch?: (epoch: number, loss: number, valLoss: number) => void;
}

/** Open a source from its description: .csv → CSV, .sqlite/.sqlite3/.db → SQLite, "postgres" → the database URL. */
export function openSource(
  spec: string,
  inputs: Pick<ScanInputs, 'databaseUrl' | 'table'>,
  profile: FeatureProfile
): Source {
  const table = inputs.table ?? profile.defaultTable;
  if (spec === 'postgres' || /^postgres(ql)?:\/\//.test(spec)) {
    const url = spec === 'postgres' ? inputs.databaseUrl : spec;
    if (!url)
      throw new ConfigurationError(
        'Source "postgres" needs a database URL (input "database-url" / --database-url / DATABASE_URL).'
      );
    return new PostgresSource(url, table);
  }
  if (/\.csv$/i.test(spec)) return new CsvSource(spec);
  if (/\.(sqlite3?|db)$/i.test(spec)) return new SqliteSource(spec, table);
  throw new ConfigurationError(
    `Source "${spec}" is not a .csv file, a .sqlite/.sqlite3/.db file or "postgres".`
  );
}

/** A short, stable name of the source for issue markers (no credentials, no folders). */
export function sourceKey(
  spec: string,
  inputs: Pick<ScanInputs, 'table'>,
  profile: FeatureProfile
): string {
  const table = inputs.table ?? profile.defaultTable;
  if (spec === 'postgres' || /^postgres/.test(spec)) return `postgres:${table}`;
  if (/\.csv$/i.test(spec)) return `csv:${path.basename(spec)}`;
  return `sqlite:${table}`;
}

/** Train (when asked, or when there is no model) or load, then scan, report and open issues. */
export async function runScan(
  inputs: ScanInputs,
  api: IssuesApi | undefined,
  hooks: Hooks
): Promise<ScanOutcome> {
  const profile = PROFILES[inputs.profile];
  const source = openSource(inputs.source, inputs, profile);
  let detector: Detector;
  let trained = false;
  let modelPath = inputs.modelPath ?? inputs.modelOutput;
  const haveModel = inputs.modelPath !== undefined && existsSync(inputs.modelPath);
  if (inputs.modelPath && !haveModel && !inputs.train) {
    hooks.log(`No model at ${inputs.modelPath}: training one.`);
  }
  if (inputs.train || !haveModel) {
    const trainingSource = inputs.trainingSource
      ? openSource(inputs.trainingSource, inputs, profile)
      : source;
    hooks.log(`Training on ${trainingSource.description} (profile ${profile.name}).`);
    const training = await readTrainingRows(trainingSource, profile, {
      batchSize: inputs.batchSize,
      maxRows: inputs.maxTrainingRows,
      seed: inputs.seed,
      progress: hooks.progress
    });
    if (training.capped && profile.trainingCap) {
      hooks.log(
        `Training left out ${training.capped} rows of busy accounts: one account contributes at most ${profile.trainingCap.rows} rows (a seeded sample), so a burst cannot teach the model that it is normal.`
      );
    }
    if (Object.keys(training.invalid).length) {
      hooks.log(`Training skipped unusable rows: ${describeInvalid(training.invalid)}.`);
    }
    detector = await trainDetector(profile, training.rows, {
      ...DEFAULT_DETECTOR_OPTIONS,
      seed: inputs.seed,
      epochs: inputs.epochs,
      thresholdQuantile: inputs.thresholdQuantile,
      thresholdMethod: inputs.thresholdMethod,
      trim: inputs.trim,
      onEpoch: hooks.onEpoch
    });
    modelPath = inputs.modelOutput;
    saveDetector(detector, modelPath);
    trained = true;
    hooks.log(
      `Trained on ${detector.training.trainRows} rows${detector.training.trimmedRows ? ` (second fit, without ${detector.training.trimmedRows} the first could not reconstruct)` : ''} (validation ${detector.training.validationRows}) in ${detector.training.seconds.toFixed(1)} s, ${detector.training.epochsRun} epochs; threshold ${detector.threshold.toFixed(4)}; model saved to ${modelPath}.`
    );
    if (trainingSource !== source) await trainingSource.close();
  } else {
    detector = await loadDetector(inputs.modelPath as string, profile.name);
    hooks.log(`Loaded model ${inputs.modelPath} (threshold ${detector.threshold.toFixed(4)}).`);
  }

  const key = sourceKey(inputs.source, inputs, profile);
  const marks = watermarkPath(modelPath);
  const plan = scanScope(inputs, source, profile, key, marks, trained, detector);
  hooks.log(
    `Scanning ${plan.scope.full ? 'every row' : `rows since ${plan.scope.from}`}: ${plan.scope.reason}.`
  );
  const issueOptions: IssueOptions = {
    owner: inputs.repository?.owner ?? '',
    repo: inputs.repository?.repo ?? '',
    label: inputs.label,
    maxIssues: inputs.maxIssues,
    dryRun: inputs.dryRun || !api,
    sourceKey: key,
    runUrl: inputs.runUrl,
    log: hooks.log,
    adminUrl: inputs.adminUrl,
    tokenInput: inputs.tokenInput
  };
  // Before reading a row: refuse a repository anyone can read (unless opted in), then read
  // which transactions already have an issue and what analysts decided, so the scan keeps
  // only the highest-scoring rows still to report instead of every flagged row.
  let history: IssueHistory | undefined;
  if (api && inputs.repository) {
    try {
      await checkRepository(api, {
        ...inputs.repository,
        allowPublic: inputs.allowPublicRepository ?? false,
        tokenInput: inputs.tokenInput ?? 'github-token',
        repoInput: inputs.otherRepository
          ? 'input "issues-repository"'
          : "the workflow's repository"
      });
    } catch (error) {
      if (!inputs.dryRun) throw error;
      hooks.log(
        `Warning: a run that is not a dry run would stop here: ${(error as Error).message}`
      );
    }
    history = await readHistory(api, issueOptions);
  }
  const existing = history?.reported ?? new Set<string>();
  const csv = new FlaggedCsvWriter(inputs.outputDir, profile, detector.threshold);
  let result: ScanResult;
  try {
    result = await scanSource(detector, source, {
      batchSize: inputs.batchSize,
      progress: hooks.progress,
      candidates: inputs.maxIssues * ROWS_PER_ISSUE + SUMMARY_LISTED,
      isReported: (id) => existing.has(`${key}:${id}`),
      onFlagged: (f) => csv.add(f),
      clusterKeys: (row) => clusterKeys(profile.name, row),
      since: plan.since,
      tracker: plan.tracker
    });
    csv.finish();
  } catch (error) {
    csv.abort();
    throw error;
  } finally {
    await source.close();
  }
  hooks.log(
    `Scanned ${result.rows} rows: ${result.scored} scored, ${result.invalidRows} unusable, ${result.flaggedCount} above the threshold.`
  );
  if (result.invalidRows) hooks.log(`Unusable rows: ${describeInvalid(result.invalid)}.`);
  const counted = aggregatesLine(source.aggregatedBy);
  if (counted) hooks.log(counted);
  if (result.scored === 0 && (result.rows > 0 || !plan.since)) {
    throw new ConfigurationError(
      `No row of ${source.description} could be scored (${describeInvalid(result.invalid)}).`
    );
  }

  const h = result.histogram;
  const chart = {
    mermaid: mermaidHistogram(h, detector.threshold),
    svg: svgHistogram(h, detector.threshold)
  };
  const summarize = (issues: IssueOutcome | undefined, failure?: string): string =>
    summaryMarkdown(
      result,
      detector,
      {
        sourceDescription: source.description,
        trained,
        issues: issues && {
          opened:
            inputs.dryRun || !api ? issues.wouldOpen.length - issues.commented : issues.opened,
          commented: issues.commented,
          skippedExisting: issues.skippedExisting,
          summaryIssue: issues.summaryIssue,
          dryRun: inputs.dryRun || !api,
          review: history?.review,
          repository: inputs.otherRepository
            ? `${inputs.repository?.owner}/${inputs.repository?.repo}`
            : undefined
        }
      },
      chart.mermaid
    ) + (failure ? `\n**Issues were not written:** ${failure}\n` : '');
  let issues: IssueOutcome;
  try {
    issues = await openIssues(api, result.unreported, detector, {
      ...issueOptions,
      history,
      notPassed: result.unreportedCount - result.unreported.length
    });
  } catch (error) {
    // Nothing is lost: the reports (flagged.csv is already in place) are written before failing.
    writeReports(
      inputs.outputDir,
      result,
      detector,
      summarize(undefined, (error as Error).message),
      chart
    );
    throw error;
  }
  issues.skippedExisting += result.reportedCount;

  const summary = `${summarize(issues)}\n${scopeLine(plan.scope, result.rows)}${counted ? ` ${counted}` : ''}\n`;
  const reports = writeReports(inputs.outputDir, result, detector, summary, chart);
  // Last, after the issues and the reports: a run that failed anywhere before leaves the
  // watermark where it was, and the next night reads these rows again.
  let watermark: string | undefined;
  const mark = plan.tracker?.mark(new Date());
  if (plan.tracker && mark && inputs.advanceWatermark) {
    const body: WatermarkFile = {
      format: 'fraud-scan-watermark',
      formatVersion: 1,
      profile: profile.name,
      model: detector.training.createdAt,
      sources: { ...(plan.kept?.sources ?? {}), [key]: mark }
    };
    writeWatermark(marks, body);
    watermark = marks;
    hooks.log(
      `Watermark ${marks}: ${key} scanned through ${mark.createdAt} (id ${mark.id ?? '-'}).`
    );
  } else if (plan.tracker && !inputs.advanceWatermark) {
    hooks.log(`Watermark ${marks} left as it was (dry run): the next run reads these rows again.`);
  }
  return {
    result,
    scope: plan.scope,
    watermark,
    detector,
    trained,
    modelPath,
    reports,
    summary,
    issues
  };
}

interface ScanPlan {
  scope: ScanOutcome['scope'];
  since?: Since;
  tracker?: MarkTracker;
  /** The watermark file's other entries, kept when this source's is rewritten. */
  kept?: WatermarkFile;
}

/**
 * Every row, or the rows since the watermark (or `since`): a database source of a profile with
 * created_at, a model that did not just train, no full-scan. A watermark that does not parse
 * or is of another profile stops the scan before a row is read.
 */
function scanScope(
  inputs: ScanInputs,
  source: Source,
  profile: FeatureProfile,
  key: string,
  marks: string,
  trained: boolean,
  detector: Detector
): ScanPlan {
  const windowMs = inputs.aggregateWindowMs ?? DEFAULT_AGGREGATE_WINDOW_MS;
  if (source.kind === 'csv' || !profile.requiredColumns.includes('created_at')) {
    return {
      scope: {
        full: true,
        reason:
          source.kind === 'csv'
            ? 'a CSV file is always read whole'
            : `the "${profile.name}" profile has no created_at to keep a watermark on`
      }
    };
  }
  // Read (and so check) the file even when it will not be used: a corrupt one is an error.
  const file = inputs.fullScan || trained ? undefined : readWatermark(marks, profile.name);
  const sameModel = file?.model === detector.training.createdAt;
  const kept = sameModel ? file : undefined;
  const previous = kept?.sources[key];
  if (inputs.since) {
    return {
      scope: {
        full: false,
        from: inputs.since.toISOString(),
        reason: 'since was given'
      },
      since: sinceInstant(inputs.since, windowMs),
      tracker: new MarkTracker(previous),
      kept
    };
  }
  if (inputs.fullScan || trained || !previous) {
    const reason = inputs.fullScan
      ? 'full-scan is on'
      : trained
        ? 'a new model scans every row once'
        : file && !sameModel
          ? `the watermark in ${marks} belongs to another model (trained ${file.model})`
          : `no watermark for ${key} in ${marks} yet (a first run)`;
    return { scope: { full: true, reason }, tracker: new MarkTracker(), kept };
  }
  const since = sinceMark(previous, windowMs);
  return {
    scope: {
      full: false,
      from: since.from.toISOString(),
      reason: `the watermark in ${marks} (through ${previous.createdAt}, id ${previous.id ?? '-'}, less a ${OVERLAP_MS / 60_000}-minute overlap); ${windowLine(windowMs)}`
    },
    since,
    tracker: new MarkTracker(previous),
    kept
  };
}

/** What the aggregates of an incremental scan count. */
function windowLine(windowMs: number): string {
  if (!Number.isFinite(windowMs)) return 'aggregates over the whole table, as training counts them';
  return `aggregates over the ${windowMs / 86_400_000} days before (training counts the whole table)`;
}

/** Where the database got the cross-row aggregates from, when it says. */
function aggregatesLine(by: Source['aggregatedBy']): string | undefined {
  if (by === 'tallies')
    return "Cross-row aggregates from the shop's running counts (fraud_key_tally, fraud_pair_tally).";
  if (by === 'key tables') return 'Cross-row aggregates grouped by the database per key.';
  if (by === 'one query')
    return 'Cross-row aggregates from one window-function query (TEMP tables refused: no TEMP privilege, or a read-only server).';
  return undefined;
}

/** The summary's line on what was read. */
function scopeLine(scope: ScanOutcome['scope'], rows: number): string {
  return scope.full
    ? `Scanned every row (${scope.reason}).`
    : `Scanned the ${rows} new rows since ${scope.from} (${scope.reason}).`;
}
