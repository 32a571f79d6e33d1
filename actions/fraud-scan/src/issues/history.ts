import { ConfigurationError } from '../../../shared/src/errors.js';
import { type Severity, SEVERITIES, severityLabel } from './clusters.js';
import type { ReviewCounts } from '../report/report.js';

/**
 * What earlier runs opened and what analysts did with it, read from the issues with the label
 * (open and closed, every page) before the scan:
 *
 * - every transaction already reported (the hidden `txn` markers), never raised again;
 * - the open cluster issues and their keys (the hidden `key` markers), which a later night adds
 *   to instead of opening another;
 * - the review: an issue closed as "not planned" or labelled `false-positive` is a confirmed
 *   false positive, one closed as completed a confirmed case; the summary reports the rate.
 */

/** The subset of octokit's REST client the issue modules call (what the stand-in serves). */
export interface IssuesApi {
  request(
    route: string,
    params?: Record<string, unknown>
  ): Promise<{ data: unknown; headers: Record<string, unknown> }>;
}

/** The label an analyst puts on a false positive (closing as "not planned" says the same). */
export const FALSE_POSITIVE_LABEL = 'false-positive';

/**
 * Marker values are percent-encoded outside [A-Za-z0-9_.:~-], so a transaction id or file name
 * from the data cannot close the HTML comment (`-->`) and plant Markdown after it; ids that are
 * numbers read the same as in markers written before this encoding.
 */
export function encodeMarkerValue(value: string): string {
  return value.replace(/[^A-Za-z0-9_.:~-]/gu, (c) => encodeURIComponent(c)).replace(/--/g, '-%2D');
}

function decodeMarkerValue(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The hidden marker of one reported transaction. */
export function marker(sourceKey: string, id: string): string {
  return `<!-- fraud-scan:txn=${encodeMarkerValue(sourceKey)}:${encodeMarkerValue(id)} -->`;
}

/** The hidden marker of one cluster key (card, account or IP hash) of an issue. */
export function keyMarker(key: string): string {
  return `<!-- fraud-scan:key=${encodeMarkerValue(key)} -->`;
}

const TXN_RE = /<!-- fraud-scan:txn=(\S+) -->/g;
const KEY_RE = /<!-- fraud-scan:key=(\S+) -->/g;

/** An open issue of a cluster, which a later night's rows of that cluster are added to. */
export interface ClusterIssue {
  number: number;
  body: string;
  keys: Set<string>;
  severity?: Severity;
  html_url: string;
}

export interface IssueHistory {
  /** `${sourceKey}:${id}` of every transaction an issue already covers. */
  reported: Set<string>;
  /** Open cluster issues not marked false positive, oldest first. */
  open: ClusterIssue[];
  review: ReviewCounts;
}

interface ListedIssue {
  number: number;
  state: 'open' | 'closed';
  state_reason?: string | null;
  labels: (string | { name?: string })[];
  body?: string | null;
  html_url: string;
  pull_request?: unknown;
}

/** Read every issue with the label (all states, all pages). */
export async function readHistory(
  api: IssuesApi,
  o: { owner: string; repo: string; label: string }
): Promise<IssueHistory> {
  const history: IssueHistory = {
    reported: new Set(),
    open: [],
    review: { reviewed: 0, falsePositives: 0, falsePositiveRows: 0, open: 0 }
  };
  for (let page = 1; ; page++) {
    const { data } = await api.request('GET /repos/{owner}/{repo}/issues', {
      owner: o.owner,
      repo: o.repo,
      labels: o.label,
      state: 'all',
      per_page: 100,
      page
    });
    const issues = data as ListedIssue[];
    for (const issue of issues) {
      if (issue.pull_request) continue;
      const body = issue.body ?? '';
      const txns = [...body.matchAll(TXN_RE)].map((m) => decodeMarkerValue(m[1] as string));
      for (const t of txns) history.reported.add(t);
      const labels = issue.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? '')));
      const falsePositive =
        labels.includes(FALSE_POSITIVE_LABEL) ||
        (issue.state === 'closed' && issue.state_reason === 'not_planned');
      if (falsePositive) {
        history.review.falsePositives++;
        history.review.falsePositiveRows += txns.length;
      }
      if (falsePositive || issue.state === 'closed') history.review.reviewed++;
      else history.review.open++;
      const keys = [...body.matchAll(KEY_RE)].map((m) => decodeMarkerValue(m[1] as string));
      if (issue.state === 'open' && !falsePositive && keys.length) {
        history.open.push({
          number: issue.number,
          body,
          keys: new Set(keys),
          severity: [...SEVERITIES].reverse().find((s) => labels.includes(severityLabel(s))),
          html_url: issue.html_url
        });
      }
    }
    if (issues.length < 100) break;
  }
  history.open.sort((a, b) => a.number - b.number);
  return history;
}

/** An octokit error's status, message and the permission GitHub says it wanted. */
export function describeApiError(error: unknown): {
  status?: number;
  message: string;
  accepted?: string;
} {
  const e = error as {
    status?: number;
    message?: string;
    response?: { headers?: Record<string, string | undefined> };
  };
  return {
    status: e.status,
    // octokit appends " - <documentation URL>" to GitHub's message.
    message: (e.message ?? String(error)).replace(/ - https:\/\/docs\.github\.com\S*$/, ''),
    accepted: e.response?.headers?.['x-accepted-github-permissions']
  };
}

/**
 * Refuse a repository anyone can read unless the workflow opted in: issue bodies hold
 * transaction ids, amounts, card fingerprints and scores, which belong to the risk team.
 */
export async function checkRepository(
  api: IssuesApi,
  o: { owner: string; repo: string; allowPublic: boolean; tokenInput: string; repoInput: string }
): Promise<'public' | 'private' | 'internal'> {
  let data: { private?: boolean; visibility?: string };
  try {
    ({ data } = (await api.request('GET /repos/{owner}/{repo}', {
      owner: o.owner,
      repo: o.repo
    })) as { data: { private?: boolean; visibility?: string } });
  } catch (error) {
    const e = describeApiError(error);
    if (e.status === 404 || e.status === 403 || e.status === 401) {
      throw new ConfigurationError(
        `Repository ${o.owner}/${o.repo} (${o.repoInput}) was not found, or the token in input "${o.tokenInput}" cannot read it (GitHub answered ${e.status}: ${e.message}).`
      );
    }
    throw error;
  }
  const visibility = (data.visibility ?? (data.private ? 'private' : 'public')) as
    'public' | 'private' | 'internal';
  if (visibility !== 'private' && !o.allowPublic) {
    throw new ConfigurationError(
      `Refusing to open fraud issues in ${o.owner}/${o.repo}: the repository is ${visibility}, so ${visibility === 'public' ? 'anyone' : 'everyone in the enterprise'} could read transaction ids, amounts, card fingerprints and scores. Open them in a private repository (inputs "issues-repository" and "issues-token"), or set input "allow-public-repository" to true to accept that. Nothing was opened.`
    );
  }
  return visibility;
}
