import {
  closeSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync
} from 'node:fs';
import path from 'node:path';
import { markdownTable } from '../../../shared/src/summary.js';
import { codeCell, table } from './markdown.js';
import type { Detector } from '../model/detector.js';
import type { FeatureProfile } from '../features/profile.js';
import type { Flagged, ScanResult } from '../scan.js';
import { describeInvalid } from '../scan.js';
import type { ErrorStats, Histogram } from '../numeric/stats.js';

const fmt = (n: number): string =>
  n === Number.POSITIVE_INFINITY ? '∞' : Math.abs(n) >= 100 ? n.toFixed(0) : n.toPrecision(3);

/**
 * A Mermaid xychart-beta (GitHub renders it): bars for rows under the threshold and a second
 * series for rows above it, on a log10(1 + rows) axis so a handful of flagged rows still show.
 */
export function mermaidHistogram(h: Histogram, threshold: number): string {
  const labels = h.counts.map((_, i) => `"${fmt(h.edges[i] as number)}"`);
  const scaled = (keep: (i: number) => boolean): string =>
    h.counts.map((c, i) => (keep(i) ? Math.log10(1 + c).toFixed(3) : '0')).join(', ');
  return [
    'xychart-beta',
    `  title "Reconstruction error (threshold ${fmt(threshold)}: bars from bin ${h.firstFlaggedBin + 1} on are flagged)"`,
    `  x-axis "error (bin start)" [${labels.join(', ')}]`,
    '  y-axis "log10(1 + rows)"',
    `  bar [${scaled((i) => i < h.firstFlaggedBin)}]`,
    `  bar [${scaled((i) => i >= h.firstFlaggedBin)}]`
  ].join('\n');
}

/** The same histogram as a standalone SVG with the threshold drawn as a red line. */
export function svgHistogram(h: Histogram, threshold: number): string {
  const width = 720;
  const height = 320;
  const left = 50;
  const bottom = 40;
  const plotW = width - left - 20;
  const plotH = height - bottom - 30;
  const heights = h.counts.map((c) => Math.log10(1 + c));
  const maxH = Math.max(1, ...heights);
  const barW = plotW / h.counts.length;
  const bars = heights
    .map((v, i) => {
      const bh = (v / maxH) * plotH;
      const color = i >= h.firstFlaggedBin ? '#d73a49' : '#0366d6';
      return `<rect x="${(left + i * barW + 1).toFixed(1)}" y="${(30 + plotH - bh).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${bh.toFixed(1)}" fill="${color}"><title>${fmt(h.edges[i] as number)}–${fmt(h.edges[i + 1] as number)}: ${h.counts[i]} rows</title></rect>`;
    })
    .join('\n');
  const tx = left + h.firstFlaggedBin * barW;
  const labels = h.edges
    .filter((_, i) => i % 4 === 0 || i === h.firstFlaggedBin)
    .map((e) => {
      const i = h.edges.indexOf(e);
      return `<text x="${(left + i * barW).toFixed(1)}" y="${height - bottom + 16}" font-size="10" text-anchor="middle">${fmt(e)}</text>`;
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<text x="${width / 2}" y="18" font-size="14" text-anchor="middle">Reconstruction error, log10(1 + rows) per bin; threshold ${fmt(threshold)}</text>
${bars}
<line x1="${tx}" y1="26" x2="${tx}" y2="${30 + plotH}" stroke="#b31d28" stroke-width="2" stroke-dasharray="4 3"/>
<text x="${tx + 4}" y="40" font-size="11" fill="#b31d28">threshold ${fmt(threshold)}</text>
<line x1="${left}" y1="${30 + plotH}" x2="${left + plotW}" y2="${30 + plotH}" stroke="#333"/>
${labels}
<text x="${width / 2}" y="${height - 6}" font-size="11" text-anchor="middle">reconstruction error</text>
</svg>
`;
}

/**
 * A CSV cell a spreadsheet opens as text: a value starting with =, +, -, @, tab or CR is a
 * formula to Excel, LibreOffice and Google Sheets (`=HYPERLINK(...)` in a billing field would
 * become a live link, or worse), so it gets a leading apostrophe, which they show as text
 * (OWASP's CSV-injection advice). Plain numbers such as a refund's -5.00 are left as they are.
 */
export function csvCell(value: string | number): string {
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s) && !/^[-+]?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const CSV_HEADER_TAIL = ['score', 'threshold', 'score_over_threshold', 'driving_features'];

/** One flagged row as a CSV line (public fields only, then score, threshold and drivers). */
function csvLine(f: Flagged, fieldNames: readonly string[], threshold: number): string {
  return [
    ...fieldNames.map((n) => f.fields[n] ?? ''),
    f.score.toFixed(6),
    threshold.toFixed(6),
    (f.score / threshold).toFixed(3),
    f.drivers.map((d) => `${d.feature} ${(d.share * 100).toFixed(0)}%`).join('; ')
  ]
    .map(csvCell)
    .join(',');
}

/**
 * Every flagged row, written as the scan finds them (table order), so the report costs no
 * memory however many rows are flagged. The file is written under a temporary name and only
 * renamed into place by `finish()`; `abort()` removes it, so a failed scan leaves no report
 * that looks complete.
 */
export class FlaggedCsvWriter {
  readonly path: string;
  private readonly partial: string;
  private fd: number | undefined;
  private buffer: string[] = [];
  private readonly fieldNames: string[];
  rows = 0;

  constructor(
    dir: string,
    profile: FeatureProfile,
    private readonly threshold: number
  ) {
    mkdirSync(dir, { recursive: true });
    this.path = path.join(dir, 'flagged.csv');
    this.partial = `${this.path}.partial`;
    // Every profile's public fields are a fixed set of names; an empty row gives them all.
    this.fieldNames = Object.keys(profile.publicFields({}));
    this.fd = openSync(this.partial, 'w');
    writeSync(this.fd, `${[...this.fieldNames, ...CSV_HEADER_TAIL].join(',')}\n`);
  }

  add(f: Flagged): void {
    this.buffer.push(csvLine(f, this.fieldNames, this.threshold));
    this.rows++;
    if (this.buffer.length >= 1000) this.flush();
  }

  flush(): void {
    if (this.fd === undefined || this.buffer.length === 0) return;
    writeSync(this.fd, `${this.buffer.join('\n')}\n`);
    this.buffer = [];
  }

  finish(): string {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    renameSync(this.partial, this.path);
    return this.path;
  }

  abort(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.partial, { force: true });
  }
}

/** Flagged rows as a whole CSV string (tests and small reports). */
export function flaggedCsv(
  flagged: readonly Flagged[],
  profile: FeatureProfile,
  threshold: number
): string {
  const fieldNames = Object.keys(profile.publicFields({}));
  const lines = flagged.map((f) => csvLine(f, fieldNames, threshold));
  return `${[[...fieldNames, ...CSV_HEADER_TAIL].join(','), ...lines].join('\n')}\n`;
}

/** Prometheus textfile-collector metrics for node_exporter (--collector.textfile.directory). */
export function prometheusText(
  result: ScanResult,
  detector: Detector,
  stats: ErrorStats,
  profile: string
): string {
  const l = `profile="${profile}"`;
  return [
    '# HELP fraud_scan_rows Rows read by the last fraud scan.',
    '# TYPE fraud_scan_rows gauge',
    `fraud_scan_rows{${l}} ${result.rows}`,
    '# HELP fraud_scan_scored_rows Rows scored by the last fraud scan.',
    '# TYPE fraud_scan_scored_rows gauge',
    `fraud_scan_scored_rows{${l}} ${result.scored}`,
    '# HELP fraud_scan_invalid_rows Rows the last fraud scan could not use (nulls, non-numeric or infinite values).',
    '# TYPE fraud_scan_invalid_rows gauge',
    `fraud_scan_invalid_rows{${l}} ${result.invalidRows}`,
    '# HELP fraud_scan_flagged_rows Rows above the threshold in the last fraud scan.',
    '# TYPE fraud_scan_flagged_rows gauge',
    `fraud_scan_flagged_rows{${l}} ${result.flaggedCount}`,
    '# HELP fraud_scan_threshold Reconstruction-error threshold of the model used.',
    '# TYPE fraud_scan_threshold gauge',
    `fraud_scan_threshold{${l}} ${detector.threshold}`,
    '# HELP fraud_scan_error_quantile Reconstruction-error quantiles of the last scan.',
    '# TYPE fraud_scan_error_quantile gauge',
    `fraud_scan_error_quantile{${l},quantile="0.5"} ${stats.median}`,
    `fraud_scan_error_quantile{${l},quantile="0.95"} ${stats.p95}`,
    `fraud_scan_error_quantile{${l},quantile="0.99"} ${stats.p99}`,
    '# HELP fraud_scan_duration_seconds Duration of the last scan pass.',
    '# TYPE fraud_scan_duration_seconds gauge',
    `fraud_scan_duration_seconds{${l}} ${result.seconds.toFixed(3)}`,
    '# HELP fraud_scan_last_run_timestamp_seconds When the last fraud scan finished.',
    '# TYPE fraud_scan_last_run_timestamp_seconds gauge',
    `fraud_scan_last_run_timestamp_seconds{${l}} ${Math.floor(Date.now() / 1000)}`,
    ''
  ].join('\n');
}

export interface ReportPaths {
  csv: string;
  chartSvg: string;
  chartMermaid: string;
  summary: string;
  prom: string;
}

export interface SummaryContext {
  sourceDescription: string;
  trained: boolean;
  issues?: {
    opened: number;
    skippedExisting: number;
    summaryIssue?: string;
    dryRun: boolean;
    /** Issues commented on (a later night's rows of an open card, account or IP cluster). */
    commented?: number;
    /** What analysts did with earlier issues, read at the start of this run. */
    review?: ReviewCounts;
    /** Where issues go when not this repository's (owner/name). */
    repository?: string;
  };
  topN?: number;
}

/** What analysts decided on earlier issues (closed, or labelled false-positive). */
export interface ReviewCounts {
  /** Issues closed or labelled false-positive. */
  reviewed: number;
  /** Of those, closed as not planned or labelled false-positive. */
  falsePositives: number;
  /** Transactions in the false-positive issues (never raised again). */
  falsePositiveRows: number;
  /** Issues still open and not labelled. */
  open: number;
}

/** "Confirmed false-positive rate: 2 of 8 reviewed issues (25.0%) ..." */
export function reviewSentence(r: ReviewCounts): string {
  if (r.reviewed === 0) {
    return `Confirmed false-positive rate: no issue reviewed yet (${r.open} open). Close an issue as "not planned" or label it \`false-positive\` to record a false positive; close it as completed to confirm it.`;
  }
  const pct = ((r.falsePositives / r.reviewed) * 100).toFixed(1);
  return `Confirmed false-positive rate: ${r.falsePositives} of ${r.reviewed} reviewed issue(s) (${pct}%), covering ${r.falsePositiveRows} transaction(s) that are not raised again; ${r.open} issue(s) still open.`;
}

/** How the threshold was read off the held-out errors, in a sentence. */
function thresholdSentence(detector: Detector): string {
  const pct = `${(detector.thresholdQuantile * 100).toFixed(1)}th percentile`;
  const base = `Threshold: the ${pct} of the errors of ${detector.training.validationRows} held-out training rows (never of the rows scored)`;
  const t = detector.training;
  if (detector.thresholdMethod !== 'robust' || !t.thresholds) return `${base}.`;
  const trimmed = t.trimmedRows
    ? ` The model was fitted twice, the second time without the ${t.trimmedRows} training rows the first fit could not reconstruct.`
    : '';
  if (!t.heldOutSetAside) return `${base}; none of them was far out.${trimmed}`;
  return `${base}, after setting aside ${t.heldOutSetAside} far-out ones (Tukey's rule on log errors: likely fraud among the training rows); taken as they are, it would be ${t.thresholds.empirical.toFixed(4)}.${trimmed}`;
}

/** The job summary: totals, the histogram, statistics, training facts and the top flagged rows. */
export function summaryMarkdown(
  result: ScanResult,
  detector: Detector,
  ctx: SummaryContext,
  chart: string
): string {
  const s = result.errors;
  const pct = result.scored ? ((result.flaggedCount / result.scored) * 100).toFixed(2) : '0';
  const top = result.top.slice(0, ctx.topN ?? 10);
  const lines = [
    `## Fraud scan: ${result.flaggedCount} suspected of ${result.scored} scored (${pct}%)`,
    '',
    markdownTable(
      ['source', 'profile', 'rows read', 'scored', 'unusable', 'flagged', 'threshold', 'model'],
      [
        [
          ctx.sourceDescription,
          detector.profile.name,
          result.rows,
          result.scored,
          result.invalidRows,
          result.flaggedCount,
          detector.threshold.toFixed(4),
          ctx.trained ? 'trained in this run' : `trained ${detector.training.createdAt}`
        ]
      ]
    ),
    '',
    result.invalidRows ? `Unusable rows (not scored): ${describeInvalid(result.invalid)}.\n` : '',
    '```mermaid',
    chart,
    '```',
    '',
    markdownTable(
      ['error', 'mean', 'median', 'min', 'max', 'std', 'p95', 'p99'],
      [
        [
          'this scan',
          ...[s.mean, s.median, s.min, s.max, s.std, s.p95, s.p99].map((v) => v.toFixed(4))
        ],
        [
          'validation (training)',
          ...['mean', 'median', 'min', 'max', 'std', 'p95', 'p99'].map((k) =>
            detector.training.validationErrors[k as keyof ErrorStats].toFixed(4)
          )
        ]
      ]
    ),
    '',
    s.estimated
      ? `The scan's median, p95 and p99 are estimated from a uniform sample of ${s.sampleSize.toLocaleString('en-US')} of its ${s.count.toLocaleString('en-US')} errors; the other figures and the histogram count every row.\n`
      : '',
    thresholdSentence(detector),
    ''
  ];
  if (top.length) {
    const names = [...new Set(top.flatMap((f) => Object.keys(f.fields)))];
    lines.push(`### Top ${top.length} flagged`, '');
    // Field values come from the table: shown as code, so none can mention, link or inject.
    lines.push(
      table(
        [...names, 'score', '× threshold', 'driving features'],
        top.map((f) => [
          ...names.map((n) => codeCell(f.fields[n] ?? '')),
          f.score.toFixed(3),
          (f.score / result.threshold).toFixed(1),
          f.drivers.map((d) => `${d.feature} (${(d.share * 100).toFixed(0)}%)`).join(', ')
        ])
      ),
      ''
    );
  }
  if (ctx.issues) {
    const i = ctx.issues;
    const where = i.repository ? ` in ${i.repository}` : '';
    const commented = i.commented ? `; added to ${i.commented} open issue(s)` : '';
    lines.push(
      i.dryRun
        ? `Dry run: would open ${i.opened} issue(s)${where}${commented ? `; would add to ${i.commented} open issue(s)` : ''}; ${i.skippedExisting} flagged row(s) already have one.`
        : `Issues${where}: opened ${i.opened}${commented}; ${i.skippedExisting} flagged row(s) already had one${i.summaryIssue ? `; the rest are listed in ${i.summaryIssue}` : ''}.`,
      ''
    );
    if (i.review) lines.push(reviewSentence(i.review), '');
  }
  return lines.filter((l, i, all) => !(l === '' && all[i - 1] === '')).join('\n');
}

/** Write the report files (all but flagged.csv) into a folder and return their paths. */
export function writeReports(
  dir: string,
  result: ScanResult,
  detector: Detector,
  summary: string,
  chart: { mermaid: string; svg: string }
): ReportPaths {
  mkdirSync(dir, { recursive: true });
  const paths: ReportPaths = {
    csv: path.join(dir, 'flagged.csv'),
    chartSvg: path.join(dir, 'error-histogram.svg'),
    chartMermaid: path.join(dir, 'error-histogram.mmd'),
    summary: path.join(dir, 'summary.md'),
    prom: path.join(dir, 'fraud_scan.prom')
  };
  // flagged.csv is already there: FlaggedCsvWriter wrote it during the scan.
  writeFileSync(paths.chartSvg, chart.svg);
  writeFileSync(paths.chartMermaid, `${chart.mermaid}\n`);
  writeFileSync(paths.summary, summary);
  writeFileSync(paths.prom, prometheusText(result, detector, result.errors, detector.profile.name));
  return paths;
}
