import { getOctokit } from '@actions/github';
import { readFileSync } from 'node:fs';
import { ConfigurationError, errorMessage } from '../../shared/src/errors.js';

/** The REST client; GITHUB_API_URL points it at GitHub Enterprise or a test's stand-in. */
export type GitHubApi = ReturnType<typeof getOctokit>;

export function gitHubApi(token: string): GitHubApi {
  return getOctokit(token, { baseUrl: process.env.GITHUB_API_URL ?? 'https://api.github.com' });
}

export interface Repository {
  owner: string;
  repo: string;
}

export function currentRepository(): Repository {
  const [owner, repo] = (process.env.GITHUB_REPOSITORY ?? '').split('/');
  if (!owner || !repo) throw new Error('GITHUB_REPOSITORY is not set: not running on a runner?');
  return { owner, repo };
}

/** The pull request a `pull_request` run is for, from the event the runner saved. */
export interface PullRequestEvent {
  number: number;
  headSha: string;
  baseRef: string;
}

export function pullRequestEvent(): PullRequestEvent | undefined {
  const name = process.env.GITHUB_EVENT_NAME ?? '';
  const file = process.env.GITHUB_EVENT_PATH;
  if (!['pull_request', 'pull_request_target'].includes(name) || !file) return undefined;
  const event = JSON.parse(readFileSync(file, 'utf8')) as {
    pull_request?: { number?: number; head?: { sha?: string }; base?: { ref?: string } };
  };
  const pr = event.pull_request;
  if (!pr?.number || !pr.head?.sha || !pr.base?.ref) return undefined;
  return { number: pr.number, headSha: pr.head.sha, baseRef: pr.base.ref };
}

/** A 403/404 from GitHub as the permission the workflow must grant. */
function explain(error: unknown, doing: string, permission: string): Error {
  const status = (error as { status?: number }).status;
  if (status === 403 || status === 404) {
    return new ConfigurationError(
      `GitHub refused to ${doing} (HTTP ${status}): give the job "permissions: ${permission}" ` +
        '(a pull request from a fork never gets it: its token is read-only).'
    );
  }
  return new Error(`Could not ${doing}: ${errorMessage(error)}`);
}

export interface IssueComment {
  id: number;
  body: string;
  html_url: string;
  author: string;
  authorType: string;
  updatedAt: string;
}

/** Every comment on a pull request (its conversation, which the issues API serves). */
export async function listComments(
  api: GitHubApi,
  repo: Repository,
  number: number
): Promise<IssueComment[]> {
  try {
    const comments = await api.paginate(api.rest.issues.listComments, {
      ...repo,
      issue_number: number,
      per_page: 100
    });
    return comments.map((c) => ({
      id: c.id,
      body: c.body ?? '',
      html_url: c.html_url,
      author: c.user?.login ?? '',
      authorType: c.user?.type ?? '',
      updatedAt: c.updated_at ?? ''
    }));
  } catch (error) {
    throw explain(error, `read the comments of pull request #${number}`, 'pull-requests: read');
  }
}

/** Update the one comment that starts with `marker` and is `author`'s, or create it. */
export async function upsertComment(
  api: GitHubApi,
  repo: Repository,
  number: number,
  marker: string,
  author: string,
  body: string
): Promise<{ url: string; created: boolean }> {
  const mine = (await listComments(api, repo, number)).find(
    (c) => c.body.startsWith(marker) && c.author === author
  );
  try {
    if (mine) {
      const { data } = await api.rest.issues.updateComment({ ...repo, comment_id: mine.id, body });
      return { url: data.html_url, created: false };
    }
    const { data } = await api.rest.issues.createComment({ ...repo, issue_number: number, body });
    return { url: data.html_url, created: true };
  } catch (error) {
    throw explain(error, `comment on pull request #${number}`, 'pull-requests: write');
  }
}

export interface MergedPullRequest {
  number: number;
  headSha: string;
  baseRef: string;
  url: string;
}

/**
 * Pull requests merged into `branch` as exactly `commit` (merge, squash or the last commit of
 * a rebase): GitHub lists every pull request a commit belongs to, open ones and ones into
 * other branches included, so only those whose merge commit it is count.
 */
export async function pullRequestsMergedAs(
  api: GitHubApi,
  repo: Repository,
  commit: string,
  branch: string
): Promise<MergedPullRequest[]> {
  try {
    const pulls = await api.paginate(api.rest.repos.listPullRequestsAssociatedWithCommit, {
      ...repo,
      commit_sha: commit,
      per_page: 100
    });
    return pulls
      .filter((p) => p.merged_at && p.merge_commit_sha === commit && p.base.ref === branch)
      .map((p) => ({
        number: p.number,
        headSha: p.head.sha,
        baseRef: p.base.ref,
        url: p.html_url
      }));
  } catch (error) {
    throw explain(error, `list the pull requests of commit ${commit}`, 'pull-requests: read');
  }
}
