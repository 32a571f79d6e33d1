import type { Detector } from './detector.js';
import type { Flagged } from './scan.js';

/**
 * One GitHub issue per flagged transaction, never twice: each body carries a hidden marker
 * `<!-- fraud-scan:txn=<source>:<id> -->`, and every issue with the label (open or closed) is
 * read first. At most `maxIssues` per run; the next `SUMMARY_LISTED` go into one summary issue,
 * whose body carries their markers too (GitHub caps a body at 65,536 characters, so a night
 * with thousands of suspects lists the worst and points at the CSV report for the others, which
 * stay unmarked and can get issues on a later night). Bodies hold no personal data: no email, no name, no full card
 * number (last 4 digits and a fingerprint prefix at most) and no IP address.
 */

/** The subset of octokit's REST client this module calls (what the stand-in server implements). */
export interface IssuesApi {
  request(
    route: string,
    params?: Record<string, unknown>
  ): Promise<{ data: unknown; headers: Record<string, unknown> }>;
}

/** Flagged rows listed in the summary issue at most (about 150 characters each, with the marker). */
export const SUMMARY_LISTED = 200;

export interface IssueOptions {
  owner: string;
  repo: string;
  label: string;
  maxIssues: number;
  dryRun: boolean;
  /** e.g. postgres:payments_transaction — part of the marker. */
  sourceKey: string;
  runUrl: string;
  log: (line: string) => void;
  /** Markers read before the scan (existingMarkers); read here when absent. */
  existing?: ReadonlySet<string>;
  /** Unreported flagged rows beyond `flagged` (the scan keeps only the highest-scoring). */
  notPassed?: number;
}

export interface IssueOutcome {
  opened: number;
  wouldOpen: { title: string; body: string }[];
  skippedExisting: number;
  summaryIssue?: string;
  openedUrls: string[];
}

export function marker(sourceKey: string, id: string): string {
  return `<!-- fraud-scan:txn=${sourceKey}:${id} -->`;
}

const MARKER_RE = /<!-- fraud-scan:txn=([^ ]+) -->/g;

/** Every marker already present in issues with the label (all states, all pages). */
export async function existingMarkers(api: IssuesApi, o: IssueOptions): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let page = 1; ; page++) {
    const { data } = await api.request('GET /repos/{owner}/{repo}/issues', {
      owner: o.owner,
      repo: o.repo,
      labels: o.label,
      state: 'all',
      per_page: 100,
      page
    });
    const issues = data as { body?: string | null }[];
    for (const issue of issues) {
      for (const m of (issue.body ?? '').matchAll(MARKER_RE)) seen.add(m[1] as string);
    }
    if (issues.length < 100) break;
  }
  return seen;
}

async function ensureLabel(api: IssuesApi, o: IssueOptions): Promise<void> {
  try {
    await api.request('GET /repos/{owner}/{repo}/labels/{name}', {
      owner: o.owner,
      repo: o.repo,
      name: o.label
    });
  } catch (error) {
    if ((error as { status?: number }).status !== 404) throw error;
    await api.request('POST /repos/{owner}/{repo}/labels', {
      owner: o.owner,
      repo: o.repo,
      name: o.label,
      color: 'b60205',
      description: 'Transaction flagged by the nightly fraud scan'
    });
  }
}

function fieldsTable(f: Flagged): string {
  const rows = Object.entries(f.fields)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `| ${k} | ${v.replace(/\|/g, '\\|')} |`);
  return ['| field | value |', '| --- | --- |', ...rows].join('\n');
}

/** The body of one transaction's issue. */
export function issueBody(
  f: Flagged,
  detector: Detector,
  o: Pick<IssueOptions, 'sourceKey' | 'runUrl'>
): string {
  const descriptions = new Map(detector.profile.features.map((s) => [s.name, s.description]));
  return [
    `The nightly fraud scan flagged transaction **${f.id}** from \`${o.sourceKey}\`.`,
    '',
    `- Score (reconstruction error): **${f.score.toFixed(4)}**`,
    `- Threshold: ${detector.threshold.toFixed(4)} (score is ${(f.score / detector.threshold).toFixed(1)}× the threshold)`,
    `- Model: profile \`${detector.profile.name}\` v${detector.profile.version}, trained ${detector.training.createdAt}`,
    `- Run: ${o.runUrl}`,
    '',
    '**What drove the score**',
    '',
    ...f.drivers.map(
      (d) =>
        `- \`${d.feature}\` — ${(d.share * 100).toFixed(0)}% of the error: ${descriptions.get(d.feature) ?? ''}`
    ),
    '',
    fieldsTable(f),
    '',
    'A high score means the row does not look like the transactions the model was trained on; it is a lead for a person to check, not a verdict. Close the issue once reviewed; it will not be reopened.',
    '',
    marker(o.sourceKey, f.id)
  ].join('\n');
}

/** Open the issues for a scan's flagged rows (or, in a dry run, print them). */
export async function openIssues(
  api: IssuesApi | undefined,
  flagged: readonly Flagged[],
  detector: Detector,
  o: IssueOptions
): Promise<IssueOutcome> {
  const outcome: IssueOutcome = { opened: 0, wouldOpen: [], skippedExisting: 0, openedUrls: [] };
  const existing = o.existing ?? (api ? await existingMarkers(api, o) : new Set<string>());
  const fresh = flagged.filter((f) => {
    const known = existing.has(`${o.sourceKey}:${f.id}`);
    if (known) outcome.skippedExisting++;
    return !known;
  });
  const individual = fresh.slice(0, o.maxIssues);
  const rest = fresh.slice(o.maxIssues);
  const listed = rest.slice(0, SUMMARY_LISTED);
  const unlisted = rest.length - listed.length + (o.notPassed ?? 0);
  const planned = individual.map((f) => ({
    title: `Suspected fraud: transaction ${f.id} (score ${f.score.toFixed(2)}, threshold ${detector.threshold.toFixed(2)})`,
    body: issueBody(f, detector, o)
  }));
  if (rest.length + (o.notPassed ?? 0) > 0) {
    planned.push({
      title: `Suspected fraud: ${rest.length + (o.notPassed ?? 0)} more flagged transaction(s) from ${o.sourceKey}`,
      body: [
        `The nightly fraud scan flagged more transactions than the per-run cap of ${o.maxIssues} issues. ${listed.length === rest.length + (o.notPassed ?? 0) ? 'These are' : `The ${listed.length} highest-scoring are`} listed here instead of one issue each (highest score first).`,
        ...(unlisted > 0
          ? [
              '',
              `${unlisted} more are not listed: they are in \`flagged.csv\` in the run's artifacts, and a later night can still open issues for them.`
            ]
          : []),
        '',
        `Threshold: ${detector.threshold.toFixed(4)}. Run: ${o.runUrl}`,
        '',
        '| id | score | last 4 | driving features |',
        '| --- | --- | --- | --- |',
        ...listed.map(
          (f) =>
            `| ${f.id} | ${f.score.toFixed(3)} | ${f.fields.card_last4 ?? ''} | ${f.drivers.map((d) => d.feature).join(', ')} |`
        ),
        '',
        ...listed.map((f) => marker(o.sourceKey, f.id))
      ].join('\n')
    });
  }
  if (o.dryRun || !api) {
    outcome.wouldOpen = planned;
    for (const p of planned) o.log(`[dry run] would open: ${p.title}`);
    return outcome;
  }
  if (planned.length) await ensureLabel(api, o);
  for (const [i, p] of planned.entries()) {
    const { data } = await api.request('POST /repos/{owner}/{repo}/issues', {
      owner: o.owner,
      repo: o.repo,
      title: p.title,
      body: p.body,
      labels: [o.label]
    });
    const url = (data as { html_url?: string }).html_url ?? '';
    outcome.openedUrls.push(url);
    if (i < individual.length) outcome.opened++;
    else outcome.summaryIssue = url;
    o.log(`opened ${url}: ${p.title}`);
  }
  return outcome;
}
