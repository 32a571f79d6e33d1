import { ConfigurationError } from '../../../shared/src/errors.js';
import type { Detector } from '../model/detector.js';
import {
  groupRows,
  keysOf,
  SEVERITIES,
  SEVERITY_COLORS,
  type Severity,
  severityLabel,
  severityOf
} from './clusters.js';
import {
  type ClusterIssue,
  describeApiError,
  FALSE_POSITIVE_LABEL,
  type IssueHistory,
  type IssuesApi,
  keyMarker,
  marker,
  readHistory
} from './history.js';
import { code, codeCell, table, titleText } from '../report/markdown.js';
import type { Flagged } from '../scan.js';

export { type IssuesApi, marker } from './history.js';

/**
 * One GitHub issue per cluster of flagged rows (rows sharing a card, account or IP address);
 * a later night's rows of a cluster whose issue is still open become a comment on it, and their
 * markers are added to its body, which is the one place later runs read. Each issue carries a
 * severity label from its highest score; each row a link to its Django admin page when
 * `adminUrl` is set. Every value from the data is shown as code (report/markdown.ts), so a billing
 * field cannot mention anyone, plant a link or an image, break a table or inject HTML.
 *
 * At most `maxIssues` issues are opened or commented on per run; the next `SUMMARY_LISTED` rows
 * go into one summary issue (GitHub caps a body at 65,536 characters, so a night with thousands
 * of suspects lists the worst and points at the CSV report for the others, which stay unmarked
 * and can get issues on a later night). Bodies hold no personal data: no email, no name, no full
 * card number (last 4 digits and a fingerprint prefix at most) and no IP address.
 */

/** Flagged rows listed in the summary issue at most (about 150 characters each, with the marker). */
export const SUMMARY_LISTED = 200;
/** Rows shown in one issue or comment at most; the rest of a cluster waits for a later night. */
export const ROWS_PER_ISSUE = 50;
/** Above this, an issue's body takes no more markers; the cluster continues in a new issue. */
const BODY_LIMIT = 60_000;

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
  /** Issues read before the scan (readHistory); read here when absent. */
  history?: IssueHistory;
  /** Unreported flagged rows beyond `flagged` (the scan keeps only the highest-scoring). */
  notPassed?: number;
  /** Django admin root (https://…/admin/); each row links to its change page. */
  adminUrl?: string;
  /** The input holding the token, named in a permission error. */
  tokenInput?: string;
}

export interface IssueOutcome {
  opened: number;
  commented: number;
  wouldOpen: { title: string; body: string }[];
  skippedExisting: number;
  summaryIssue?: string;
  openedUrls: string[];
}

/** Where a profile's rows live in the Django admin (app label / model). */
const ADMIN_PATHS: Record<string, string> = {
  transactions: 'payments/transaction',
  stripemodel: 'account/stripemodel'
};

/** The change page of one row, as a Markdown link, or '' without an admin URL. */
export function adminLink(adminUrl: string | undefined, profile: string, id: string): string {
  if (!adminUrl || !ADMIN_PATHS[profile]) return '';
  // encodeURIComponent leaves ( ) ' ! * alone; ( and ) would end a Markdown link.
  const encoded = encodeURIComponent(id).replace(
    /[()'!*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`
  );
  const href = new URL(`${ADMIN_PATHS[profile]}/${encoded}/change/`, adminUrl).href;
  return `[admin](<${href}>)`;
}

/** How a key reads in an issue: card `ab12cd34`, account `42`, IP hash `3f2a…`. */
function keyText(key: string): string {
  const i = key.indexOf(':');
  const kind = key.slice(0, i);
  const value = key.slice(i + 1);
  const name =
    kind === 'card'
      ? 'card'
      : kind === 'account'
        ? 'account'
        : kind === 'ip'
          ? 'IP hash'
          : 'transaction';
  return `${name} ${code(value)}`;
}

function keysLine(keys: readonly string[]): string {
  const shown = keys.slice(0, 20).map(keyText).join(', ');
  return keys.length > 20 ? `${shown} and ${keys.length - 20} more` : shown;
}

/** The rows of a cluster as a table: every value from the data is a code span. */
function rowsTable(rows: readonly Flagged[], detector: Detector, adminUrl?: string): string {
  const names = Object.keys(detector.profile.publicFields({}));
  const admin = adminUrl !== undefined;
  return table(
    [
      ...names,
      'score',
      '× threshold',
      'what drove the score (share of the calibrated error)',
      ...(admin ? ['admin'] : [])
    ],
    rows.map((f) => [
      ...names.map((n) => codeCell(f.fields[n] ?? '')),
      f.score.toFixed(4),
      (f.score / detector.threshold).toFixed(1),
      f.drivers.map((d) => `\`${d.feature}\` ${(d.share * 100).toFixed(0)}%`).join(', '),
      ...(admin ? [adminLink(adminUrl, detector.profile.name, f.id)] : [])
    ])
  );
}

function driversSection(rows: readonly Flagged[], detector: Detector): string[] {
  const descriptions = new Map(detector.profile.features.map((s) => [s.name, s.description]));
  const seen = [...new Set(rows.flatMap((f) => f.drivers.map((d) => d.feature)))];
  return seen.map((name) => `- \`${name}\`: ${descriptions.get(name) ?? ''}`);
}

const REVIEW_NOTE =
  'A high score means a row does not look like the transactions the model was trained on; it is a lead for a person to check, not a verdict. **Close as completed** once confirmed; **close as not planned** or add the label `false-positive` when it is not fraud: the next scan reads that, counts it in the false-positive rate and never raises these transactions again.';

interface Planned {
  kind: 'issue' | 'comment' | 'summary';
  title: string;
  body: string;
  severity?: Severity;
  /** The open issue a comment goes to. */
  target?: ClusterIssue;
  /** Markers to add to the target's body. */
  ledger?: string[];
  rows: number;
}

function clusterTitle(rows: readonly Flagged[], detector: Detector, severity: Severity): string {
  const top = rows[0] as Flagged;
  const keys = keysOf(top);
  const first = keys.find((k) => k.startsWith('card:')) ?? keys[0] ?? '';
  const last4 = top.fields.card_last4 ? ` …${titleText(top.fields.card_last4, 4)}` : '';
  const what = first.startsWith('card:')
    ? `card${last4} (${titleText(first.slice(5), 10)})`
    : first.startsWith('account:')
      ? `account ${titleText(first.slice(8), 20)}`
      : first.startsWith('ip:')
        ? `IP hash ${titleText(first.slice(3), 10)}`
        : `transaction ${titleText(top.id)}`;
  return `Suspected fraud (${severity}): ${what}, ${rows.length} transaction(s), up to ${(top.score / detector.threshold).toFixed(1)}× the threshold`;
}

function clusterKeysOf(rows: readonly Flagged[]): string[] {
  return [...new Set(rows.flatMap(keysOf))];
}

/** The open issue a cluster's rows go to: the oldest sharing a key whose body has room. */
function targetOf(keys: readonly string[], history: IssueHistory): ClusterIssue[] {
  return history.open.filter(
    (issue) => keys.some((k) => issue.keys.has(k)) && issue.body.length < BODY_LIMIT
  );
}

/**
 * Clusters of one night that meet the same open issue are one comment on it (they are one case
 * through that issue's earlier rows), highest score first.
 */
function withOpenIssues(clusters: Flagged[][], history: IssueHistory): Flagged[][] {
  const byIssue = new Map<number, Flagged[]>();
  const result: Flagged[][] = [];
  for (const cluster of clusters) {
    const target = targetOf(clusterKeysOf(cluster), history)[0];
    const joined = target ? byIssue.get(target.number) : undefined;
    if (joined) joined.push(...cluster);
    else {
      const rows = [...cluster];
      if (target) byIssue.set(target.number, rows);
      result.push(rows);
    }
  }
  for (const rows of result) rows.sort((a, b) => b.score - a.score);
  return result.sort((a, b) => (b[0] as Flagged).score - (a[0] as Flagged).score);
}

/** Plan a cluster's new issue, or its comment on the open issue it belongs to. */
function planCluster(
  rows: readonly Flagged[],
  detector: Detector,
  history: IssueHistory,
  o: IssueOptions
): Planned {
  const shown = rows.slice(0, ROWS_PER_ISSUE);
  const keys = clusterKeysOf(rows);
  const severity = severityOf((rows[0] as Flagged).score / detector.threshold);
  const waiting =
    rows.length > shown.length
      ? [
          '',
          `${rows.length - shown.length} more flagged row(s) of this cluster are in \`flagged.csv\` in the run's artifacts; a later night adds them here.`
        ]
      : [];
  const markers = [
    ...shown.map((f) => marker(o.sourceKey, f.id)),
    ...keys.map((k) => keyMarker(k))
  ];
  const targets = targetOf(keys, history);
  const target = targets[0];
  const header = [
    `- Severity: **${severity}** (highest score ${((rows[0] as Flagged).score / detector.threshold).toFixed(1)}× the threshold ${detector.threshold.toFixed(4)})`,
    `- Linked by: ${keysLine(keys)}`,
    `- Model: profile \`${detector.profile.name}\` v${detector.profile.version}, trained ${detector.training.createdAt}`,
    `- Run: ${o.runUrl}`
  ];
  const rowsMd = rowsTable(shown, detector, o.adminUrl);
  if (target) {
    const others = targets.slice(1).map((t) => `#${t.number}`);
    return {
      kind: 'comment',
      title: `#${target.number}: ${rows.length} more transaction(s)`,
      severity,
      target,
      ledger: markers,
      rows: shown.length,
      body: [
        `A later scan flagged ${rows.length} more transaction(s) of this cluster (source \`${o.sourceKey}\`).`,
        '',
        ...header,
        ...(others.length ? [`- Also linked to open issue(s) ${others.join(', ')}`] : []),
        '',
        rowsMd,
        ...waiting
      ].join('\n')
    };
  }
  return {
    kind: 'issue',
    title: clusterTitle(rows, detector, severity),
    severity,
    rows: shown.length,
    body: [
      `The nightly fraud scan flagged ${rows.length} transaction(s) from \`${o.sourceKey}\` that share a card, an account or an IP address.`,
      '',
      ...header,
      '',
      rowsMd,
      ...waiting,
      '',
      '**What drove the scores**',
      '',
      ...driversSection(shown, detector),
      '',
      REVIEW_NOTE,
      '',
      ...markers
    ].join('\n')
  };
}

function summaryPlan(
  rest: readonly Flagged[],
  notPassed: number,
  detector: Detector,
  o: IssueOptions
): Planned {
  const listed = rest.slice(0, SUMMARY_LISTED);
  const total = rest.length + notPassed;
  const unlisted = total - listed.length;
  return {
    kind: 'summary',
    title: `Suspected fraud: ${total} more flagged transaction(s) from ${titleText(o.sourceKey, 60)}`,
    rows: listed.length,
    body: [
      `The nightly fraud scan flagged more than the per-run cap of ${o.maxIssues} issues opened or added to. ${listed.length === total ? 'These are' : `The ${listed.length} highest-scoring are`} listed here instead (highest score first).`,
      ...(unlisted > 0
        ? [
            '',
            `${unlisted} more are not listed: they are in \`flagged.csv\` in the run's artifacts, and a later night can still open issues for them.`
          ]
        : []),
      '',
      `Threshold: ${detector.threshold.toFixed(4)}. Run: ${o.runUrl}`,
      '',
      table(
        [
          'id',
          'score',
          'last 4',
          'linked by',
          'driving features',
          ...(o.adminUrl !== undefined ? ['admin'] : [])
        ],
        listed.map((f) => [
          codeCell(f.id),
          f.score.toFixed(3),
          codeCell(f.fields.card_last4 ?? ''),
          keysOf(f)
            .map((k) => codeCell(k))
            .join(' '),
          f.drivers.map((d) => d.feature).join(', '),
          ...(o.adminUrl !== undefined ? [adminLink(o.adminUrl, detector.profile.name, f.id)] : [])
        ])
      ),
      '',
      REVIEW_NOTE,
      '',
      ...listed.map((f) => marker(o.sourceKey, f.id))
    ].join('\n')
  };
}

/** A refused write, in words: which token, which permission, what happened to the rows. */
function writeRefused(error: unknown, o: IssueOptions, done: number): Error {
  const e = describeApiError(error);
  if (e.status !== 403 && e.status !== 404 && e.status !== 401) return error as Error;
  const wanted = e.accepted ? ` (GitHub asks for ${e.accepted})` : '';
  const state =
    done === 0
      ? 'Nothing was opened'
      : `${done} issue(s) or comment(s) were written before the refusal`;
  return new ConfigurationError(
    `The token in input "${o.tokenInput ?? 'github-token'}" cannot write issues in ${o.owner}/${o.repo}: GitHub answered ${e.status} "${e.message}". It needs the "issues: write" permission${wanted} — in the workflow, "permissions: issues: write"; for a fine-grained token, Issues: Read and write on that repository. ${state}; the flagged rows are in flagged.csv and stay unmarked, so the next run raises them.`
  );
}

async function ensureLabel(
  api: IssuesApi,
  o: IssueOptions,
  name: string,
  color: string,
  description: string
): Promise<void> {
  try {
    await api.request('GET /repos/{owner}/{repo}/labels/{name}', {
      owner: o.owner,
      repo: o.repo,
      name
    });
  } catch (error) {
    if ((error as { status?: number }).status !== 404) throw error;
    await api.request('POST /repos/{owner}/{repo}/labels', {
      owner: o.owner,
      repo: o.repo,
      name,
      color,
      description
    });
  }
}

/** Open the issues for a scan's flagged rows, or add to open ones (in a dry run, print them). */
export async function openIssues(
  api: IssuesApi | undefined,
  flagged: readonly Flagged[],
  detector: Detector,
  o: IssueOptions
): Promise<IssueOutcome> {
  const outcome: IssueOutcome = {
    opened: 0,
    commented: 0,
    wouldOpen: [],
    skippedExisting: 0,
    openedUrls: []
  };
  const history =
    o.history ??
    (api
      ? await readHistory(api, o)
      : {
          reported: new Set<string>(),
          open: [],
          review: { reviewed: 0, falsePositives: 0, falsePositiveRows: 0, open: 0 }
        });
  const fresh = flagged.filter((f) => {
    const known = history.reported.has(`${o.sourceKey}:${f.id}`);
    if (known) outcome.skippedExisting++;
    return !known;
  });
  const planned: Planned[] = [];
  const rest: Flagged[] = [];
  for (const cluster of withOpenIssues(groupRows(fresh), history)) {
    if (planned.length < o.maxIssues) planned.push(planCluster(cluster, detector, history, o));
    else rest.push(...cluster);
  }
  rest.sort((a, b) => b.score - a.score);
  if (rest.length + (o.notPassed ?? 0) > 0) {
    planned.push(summaryPlan(rest, o.notPassed ?? 0, detector, o));
  }
  if (o.dryRun || !api) {
    outcome.wouldOpen = planned.map((p) => ({ title: p.title, body: p.body }));
    for (const p of planned) {
      if (p.kind === 'comment') outcome.commented++;
      o.log(
        p.kind === 'comment'
          ? `[dry run] would add to ${p.title}`
          : `[dry run] would open: ${p.title}`
      );
    }
    outcome.opened = planned.filter((p) => p.kind === 'issue').length;
    return outcome;
  }
  let written = 0;
  try {
    if (planned.length) {
      await ensureLabel(api, o, o.label, 'b60205', 'Transaction flagged by the nightly fraud scan');
      for (const s of new Set(planned.map((p) => p.severity).filter(Boolean) as Severity[])) {
        await ensureLabel(
          api,
          o,
          severityLabel(s),
          SEVERITY_COLORS[s],
          'Fraud-scan severity, from the highest score over the threshold'
        );
      }
    }
    for (const p of planned) {
      if (p.kind === 'comment' && p.target) {
        await addToIssue(api, o, p, p.target);
        outcome.commented++;
        o.log(`added to ${p.target.html_url}: ${p.rows} transaction(s)`);
      } else {
        const { data } = await api.request('POST /repos/{owner}/{repo}/issues', {
          owner: o.owner,
          repo: o.repo,
          title: p.title,
          body: p.body,
          labels: [o.label, ...(p.severity ? [severityLabel(p.severity)] : [])]
        });
        const url = (data as { html_url?: string }).html_url ?? '';
        outcome.openedUrls.push(url);
        if (p.kind === 'issue') outcome.opened++;
        else outcome.summaryIssue = url;
        o.log(`opened ${url}: ${p.title}`);
      }
      written++;
    }
  } catch (error) {
    throw writeRefused(error, o, written);
  }
  return outcome;
}

/** A later night's rows: a comment, the markers into the body, a higher severity label. */
async function addToIssue(
  api: IssuesApi,
  o: IssueOptions,
  p: Planned,
  target: ClusterIssue
): Promise<void> {
  const issue = { owner: o.owner, repo: o.repo, issue_number: target.number };
  await api.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
    ...issue,
    body: p.body
  });
  // The body is the ledger later runs read (one request for every issue, instead of one
  // per issue for its comments): the new rows' and keys' markers go there too.
  const fresh = (p.ledger ?? []).filter((m) => !target.body.includes(m));
  target.body = `${target.body}\n${fresh.join('\n')}`;
  await api.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
    ...issue,
    body: target.body
  });
  const now = p.severity;
  if (now && (!target.severity || SEVERITIES.indexOf(now) > SEVERITIES.indexOf(target.severity))) {
    await api.request('POST /repos/{owner}/{repo}/issues/{issue_number}/labels', {
      ...issue,
      labels: [severityLabel(now)]
    });
    if (target.severity) {
      await api.request('DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}', {
        ...issue,
        name: severityLabel(target.severity)
      });
    }
    target.severity = now;
  }
}

export { FALSE_POSITIVE_LABEL };
