import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The project's stand-in for the GitHub REST API: a real HTTP server on a loopback port that
 * implements exactly the issue endpoints the actions call, with GitHub's shapes, status codes
 * and Link-header pagination, so octokit (baseUrl = this server) runs unmodified against it.
 *
 *   GET  /repos/{owner}/{repo}/labels/{name}     200 label | 404
 *   POST /repos/{owner}/{repo}/labels            201 label | 422 already_exists
 *   GET  /repos/{owner}/{repo}/issues            ?labels=a,b&state=open|closed|all&per_page&page
 *   POST /repos/{owner}/{repo}/issues            201 issue
 *   PATCH /repos/{owner}/{repo}/issues/{number}  200 issue (state, state_reason, title, body)
 *   GET  /repos/{owner}/{repo}                                   200 repository (visibility) | 404
 *   GET  /repos/{owner}/{repo}/issues/{number}/comments         paginated
 *   POST /repos/{owner}/{repo}/issues/{number}/comments         201 comment
 *   POST /repos/{owner}/{repo}/issues/{number}/labels           200 the issue's labels
 *   DELETE /repos/{owner}/{repo}/issues/{number}/labels/{name}  200 the issue's labels | 404
 *   GET  /repos/{owner}/{repo}/environments/{name}                              200 environment | 404
 *   GET  /repos/{owner}/{repo}/environments/{name}/deployment-branch-policies   paginated | 404
 *   GET  /repos/{owner}/{repo}/commits/{sha}/pulls               paginated pull requests
 *   PATCH /repos/{owner}/{repo}/issues/comments/{id}             200 comment (body) | 404
 *
 * Pull requests come from `pulls`; GET commits/{sha}/pulls lists those whose head, merge
 * commit or `commits` hold the SHA (GitHub also lists open ones and ones into other branches).
 * Comments on a pull request use the issue comment routes with its number, as on GitHub.
 * Every comment carries `user`: the one a test pushed, else the identity of the token that
 * wrote it (`identities`, keyed by token; an unknown token writes as github-actions[bot], the
 * workflow token's bot).
 *
 * Environments come from `environments` (keyed by name, case-insensitive as on GitHub); a
 * name not in it answers 404, as GitHub does for a missing environment. Setting
 * `faults.environments` answers every environment request with that status instead (a 403
 * for a token without `actions: read`, a 502 for an outage).
 * Every request needs an Authorization header (401 otherwise); every request is recorded.
 *
 * Repositories come from `repositories` (keyed owner/name, case-insensitive); one not in it
 * answers as private, so tests that do not care about visibility need not declare it. Issues
 * created through the API remember their repository and are listed only there; issues a test
 * pushes without `repository` are listed in every repository. Setting `faults.issueWrites`
 * answers every write to issues, labels and comments with that status (a 403 with GitHub's
 * `x-accepted-github-permissions: issues=write` header plays a token without issues: write).
 */

export interface StandInIssue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  labels: { name: string }[];
  html_url: string;
  /** Why a closed issue was closed, as GitHub reports it. */
  state_reason?: 'completed' | 'not_planned' | 'reopened' | null;
  /** Number of comments (GitHub's issue field). */
  comments?: number;
  /** owner/name of the repository it is in; unset: listed in every repository. */
  repository?: string;
}

export interface StandInComment {
  id: number;
  issue_number: number;
  repository: string;
  body: string;
  html_url: string;
  /** Who wrote it; unset: github-actions[bot]. */
  user?: StandInUser;
  created_at?: string;
  updated_at?: string;
}

/** An account as GitHub's REST answers describe it (`type` Bot for github-actions[bot]). */
export interface StandInUser {
  login: string;
  type: 'User' | 'Bot';
}

/** A pull request as GET commits/{sha}/pulls describes it. */
export interface StandInPull {
  number: number;
  /** owner/name; unset: listed in every repository. */
  repository?: string;
  state: 'open' | 'closed';
  merged_at: string | null;
  merge_commit_sha: string | null;
  head: { sha: string; ref: string };
  base: { ref: string };
  /** Further commits the pull request holds (GitHub lists the pull request for each). */
  commits?: string[];
}

const WORKFLOW_BOT: StandInUser = { login: 'github-actions[bot]', type: 'Bot' };

/** A repository as GET /repos/{owner}/{repo} describes it; `hidden` answers 404. */
export interface StandInRepository {
  visibility: 'public' | 'private' | 'internal';
  hidden?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  /** The Authorization header, so tests can tell which token a request used. */
  authorization?: string;
}

/** An environment's settings, in the shape of GitHub's REST answers. */
export interface StandInEnvironment {
  /** null: every branch may deploy ("No restriction"). */
  deployment_branch_policy: { protected_branches: boolean; custom_branch_policies: boolean } | null;
  /** wait_timer and required_reviewers rules, as GET environment lists them. */
  protection_rules?: Record<string, unknown>[];
  /** "Selected branches and tags" entries; ids are given here so tests can name them. */
  branch_policies?: { id: number; name: string; type?: 'branch' | 'tag' }[];
}

/** An answer forced on a group of endpoints. */
export interface StandInFault {
  status: number;
  message: string;
  /** Sent as x-accepted-github-permissions, as GitHub does on a 403 (e.g. "issues=write"). */
  acceptedPermissions?: string;
}

export interface GitHubStandIn {
  url: string;
  issues: StandInIssue[];
  labels: Map<string, { name: string; color: string; description: string }>;
  requests: RecordedRequest[];
  /** Deployment environments by name; add, change or delete entries between runs. */
  environments: Map<string, StandInEnvironment>;
  /** Set `environments` to answer every environment request with that status. */
  faults: { environments?: StandInFault; issueWrites?: StandInFault };
  /** Visibility by owner/name; a repository not listed is private. */
  repositories: Map<string, StandInRepository>;
  comments: StandInComment[];
  /** Pull requests, for commits/{sha}/pulls and comments on them. */
  pulls: StandInPull[];
  /** The account each token acts as (the token without its "token "/"Bearer " prefix). */
  identities: Map<string, StandInUser>;
  close(): Promise<void>;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {}
): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

/** One page of `items` (GitHub's per_page/page, at most 100) with its Link header. */
function paginate<T>(
  url: URL,
  items: readonly T[]
): { page: T[]; headers: Record<string, string> } {
  const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30)));
  const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (p: number, rel: string): string => {
    const u = new URL(url.toString());
    u.searchParams.set('page', String(p));
    return `<${u.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
  if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'));
  return {
    page: items.slice((page - 1) * perPage, page * perPage),
    headers: links.length ? { link: links.join(', ') } : {}
  };
}

/** GET environment and GET its deployment branch policies, with GitHub's shapes. */
function serveEnvironment(
  res: ServerResponse,
  url: URL,
  match: RegExpExecArray,
  state: {
    environments: Map<string, StandInEnvironment>;
    faults: { environments?: StandInFault };
  }
): void {
  const [, owner, repo, encodedName, policies] = match as unknown as [
    string,
    string,
    string,
    string,
    string | undefined
  ];
  const fault = state.faults.environments;
  if (fault) {
    return send(res, fault.status, {
      message: fault.message,
      documentation_url: 'https://docs.github.com/rest/deployments/environments#get-an-environment',
      status: String(fault.status)
    });
  }
  const name = decodeURIComponent(encodedName);
  const found = [...state.environments].find(([key]) => key.toLowerCase() === name.toLowerCase());
  if (!found) {
    return send(res, 404, {
      message: 'Not Found',
      documentation_url: 'https://docs.github.com/rest/deployments/environments#get-an-environment',
      status: '404'
    });
  }
  const [envName, env] = found;
  const entries = (env.branch_policies ?? []).map((p) => ({
    id: p.id,
    node_id: `MDE2OkdhdGVCcmFuY2hQb2xpY3k${p.id}`,
    name: p.name,
    type: p.type ?? 'branch'
  }));
  if (policies) {
    const { page, headers } = paginate(url, entries);
    return send(res, 200, { total_count: entries.length, branch_policies: page }, headers);
  }
  const api = `${url.origin}/repos/${owner}/${repo}/environments/${encodeURIComponent(envName)}`;
  return send(res, 200, {
    id: 161088068,
    node_id: 'MDExOkVudmlyb25tZW50MTYxMDg4MDY4',
    name: envName,
    url: api,
    html_url: `https://github.com/${owner}/${repo}/deployments/activity_log?environments_filter=${encodeURIComponent(envName)}`,
    created_at: '2026-01-10T12:00:00Z',
    updated_at: '2026-01-10T12:00:00Z',
    protection_rules: [
      ...(env.protection_rules ?? []),
      // GitHub lists a branch_policy rule whenever deployments are restricted.
      ...(env.deployment_branch_policy
        ? [{ id: 3, node_id: 'GA_kwDOBranchPolicy', type: 'branch_policy' }]
        : [])
    ],
    deployment_branch_policy: env.deployment_branch_policy
  });
}

/** Start the stand-in on a free loopback port. */
export async function startGitHubStandIn(): Promise<GitHubStandIn> {
  const state = {
    issues: [] as StandInIssue[],
    labels: new Map<string, { name: string; color: string; description: string }>(),
    requests: [] as RecordedRequest[],
    environments: new Map<string, StandInEnvironment>(),
    faults: {} as { environments?: StandInFault; issueWrites?: StandInFault },
    repositories: new Map<string, StandInRepository>(),
    comments: [] as StandInComment[],
    pulls: [] as StandInPull[],
    identities: new Map<string, StandInUser>()
  };
  const identity = (authorization: string | undefined): StandInUser =>
    state.identities.get((authorization ?? '').replace(/^(token|bearer) /i, '')) ?? WORKFLOW_BOT;
  const withUser = (c: StandInComment) => ({
    ...c,
    user: {
      ...(c.user ?? WORKFLOW_BOT),
      id: (c.user ?? WORKFLOW_BOT).login === WORKFLOW_BOT.login ? 41898282 : 1000 + c.id
    },
    created_at: c.created_at ?? '2026-12-01T10:00:00Z',
    updated_at: c.updated_at ?? c.created_at ?? '2026-12-01T10:00:00Z'
  });
  let base = '';
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', base);
      const query = Object.fromEntries(url.searchParams.entries());
      const body =
        req.method === 'POST' || req.method === 'PATCH' ? await readBody(req) : undefined;
      const write = req.method === 'POST' || req.method === 'PATCH' || req.method === 'DELETE';
      if (req.method === 'DELETE') await readBody(req);
      state.requests.push({
        method: req.method ?? '',
        path: url.pathname,
        query,
        body,
        authorization: req.headers.authorization
      });
      if (!req.headers.authorization) {
        return send(res, 401, {
          message: 'Requires authentication',
          documentation_url: 'https://docs.github.com/rest'
        });
      }
      const envMatch =
        /^\/repos\/([^/]+)\/([^/]+)\/environments\/([^/]+)(\/deployment-branch-policies)?$/.exec(
          url.pathname
        );
      if (envMatch && req.method === 'GET') {
        return serveEnvironment(res, url, envMatch, state);
      }
      const writeFault = state.faults.issueWrites;
      if (write && writeFault && /^\/repos\/[^/]+\/[^/]+\/(labels|issues)/.test(url.pathname)) {
        return send(
          res,
          writeFault.status,
          {
            message: writeFault.message,
            documentation_url: 'https://docs.github.com/rest/issues/issues#create-an-issue',
            status: String(writeFault.status)
          },
          writeFault.acceptedPermissions
            ? { 'x-accepted-github-permissions': writeFault.acceptedPermissions }
            : {}
        );
      }
      const commitPulls = /^\/repos\/([^/]+)\/([^/]+)\/commits\/([0-9a-f]{7,40})\/pulls$/.exec(
        url.pathname
      );
      if (commitPulls && req.method === 'GET') {
        const [, owner, repo, sha] = commitPulls as unknown as [string, string, string, string];
        const full = `${owner}/${repo}`;
        const found = state.pulls
          .filter((p) => (p.repository ?? full) === full)
          .filter(
            (p) =>
              p.head.sha === sha || p.merge_commit_sha === sha || (p.commits ?? []).includes(sha)
          )
          .map((p) => ({
            number: p.number,
            state: p.state,
            html_url: `https://github.com/${full}/pull/${p.number}`,
            merged_at: p.merged_at,
            merge_commit_sha: p.merge_commit_sha,
            head: { sha: p.head.sha, ref: p.head.ref, repo: { full_name: full } },
            base: { ref: p.base.ref, repo: { full_name: full } }
          }));
        const { page, headers } = paginate(url, found);
        return send(res, 200, page, headers);
      }
      const commentEdit = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(url.pathname);
      if (commentEdit && req.method === 'PATCH') {
        const [, owner, repo, id] = commentEdit as unknown as [string, string, string, string];
        const comment = state.comments.find(
          (c) => c.id === Number(id) && c.repository === `${owner}/${repo}`
        );
        if (!comment) return send(res, 404, { message: 'Not Found', status: '404' });
        const b = body as { body?: string };
        if (!b?.body)
          return send(res, 422, {
            message: 'Validation Failed',
            errors: [{ field: 'body', code: 'missing_field' }]
          });
        comment.body = b.body;
        comment.updated_at = new Date().toISOString();
        return send(res, 200, withUser(comment));
      }
      const repoOnly = /^\/repos\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      if (repoOnly && req.method === 'GET') {
        const [, owner, repo] = repoOnly as unknown as [string, string, string];
        const full = `${owner}/${repo}`;
        const found = [...state.repositories].find(
          ([key]) => key.toLowerCase() === full.toLowerCase()
        )?.[1] ?? { visibility: 'private' as const };
        if (found.hidden) return send(res, 404, { message: 'Not Found', status: '404' });
        return send(res, 200, {
          id: 1296269,
          name: repo,
          full_name: full,
          owner: { login: owner },
          private: found.visibility !== 'public',
          visibility: found.visibility,
          html_url: `https://github.com/${full}`,
          has_issues: true
        });
      }
      const issuePart =
        /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/(comments|labels)(?:\/([^/]+))?$/.exec(
          url.pathname
        );
      if (issuePart) {
        const [, owner, repo, num, part, name] = issuePart as unknown as [
          string,
          string,
          string,
          string,
          string,
          string | undefined
        ];
        const full = `${owner}/${repo}`;
        const pull = state.pulls.find(
          (p) => p.number === Number(num) && (p.repository ?? full) === full
        );
        // A pull request is an issue to the comment routes, as on GitHub.
        const issue =
          state.issues.find((i) => i.number === Number(num) && (i.repository ?? full) === full) ??
          (pull && part === 'comments'
            ? ({
                number: pull.number,
                title: `Pull request #${pull.number}`,
                body: '',
                state: pull.state,
                labels: [],
                html_url: `https://github.com/${full}/pull/${pull.number}`
              } satisfies StandInIssue)
            : undefined);
        if (!issue) return send(res, 404, { message: 'Not Found', status: '404' });
        if (part === 'comments' && !name) {
          if (req.method === 'GET') {
            const { page, headers } = paginate(
              url,
              state.comments.filter((c) => c.issue_number === issue.number && c.repository === full)
            );
            return send(res, 200, page.map(withUser), headers);
          }
          if (req.method === 'POST') {
            const b = body as { body?: string };
            if (!b?.body)
              return send(res, 422, {
                message: 'Validation Failed',
                errors: [{ field: 'body', code: 'missing_field' }]
              });
            const id = 9000 + state.comments.length + 1;
            const comment: StandInComment = {
              id,
              issue_number: issue.number,
              repository: full,
              body: b.body,
              html_url: `${issue.html_url}#issuecomment-${id}`
            };
            const author = identity(req.headers.authorization);
            if (author !== WORKFLOW_BOT) comment.user = author;
            state.comments.push(comment);
            issue.comments = (issue.comments ?? 0) + 1;
            return send(res, 201, withUser(comment));
          }
        }
        if (part === 'labels') {
          if (req.method === 'POST' && !name) {
            for (const l of (body as { labels?: string[] })?.labels ?? []) {
              if (!state.labels.has(l))
                state.labels.set(l, { name: l, color: 'ededed', description: '' });
              if (!issue.labels.some((x) => x.name === l)) issue.labels.push({ name: l });
            }
            return send(res, 200, issue.labels);
          }
          if (req.method === 'DELETE' && name) {
            const label = decodeURIComponent(name);
            if (!issue.labels.some((x) => x.name === label))
              return send(res, 404, { message: 'Label does not exist' });
            issue.labels = issue.labels.filter((x) => x.name !== label);
            return send(res, 200, issue.labels);
          }
        }
        return send(res, 404, { message: 'Not Found' });
      }
      const repoMatch = /^\/repos\/([^/]+)\/([^/]+)\/(labels|issues)(?:\/([^/]+))?$/.exec(
        url.pathname
      );
      if (!repoMatch) return send(res, 404, { message: 'Not Found' });
      const [, owner, repo, kind, item] = repoMatch as unknown as [
        string,
        string,
        string,
        string,
        string | undefined
      ];
      const html = `https://github.com/${owner}/${repo}`;
      if (kind === 'labels') {
        if (req.method === 'GET' && item) {
          const label = state.labels.get(decodeURIComponent(item));
          return label ? send(res, 200, label) : send(res, 404, { message: 'Not Found' });
        }
        if (req.method === 'POST' && !item) {
          const b = body as { name?: string; color?: string; description?: string };
          if (!b?.name)
            return send(res, 422, {
              message: 'Validation Failed',
              errors: [{ field: 'name', code: 'missing_field' }]
            });
          if (state.labels.has(b.name)) {
            return send(res, 422, {
              message: 'Validation Failed',
              errors: [{ resource: 'Label', code: 'already_exists', field: 'name' }]
            });
          }
          const label = {
            name: b.name,
            color: b.color ?? 'ededed',
            description: b.description ?? ''
          };
          state.labels.set(b.name, label);
          return send(res, 201, label);
        }
      }
      if (kind === 'issues') {
        if (req.method === 'GET' && !item) {
          const wanted = (query.labels ?? '').split(',').filter(Boolean);
          const st = query.state ?? 'open';
          const perPage = Math.min(100, Number(query.per_page ?? 30));
          const page = Math.max(1, Number(query.page ?? 1));
          const full = `${owner}/${repo}`;
          const matching = state.issues
            .filter((i) => (i.repository ?? full) === full)
            .filter((i) => st === 'all' || i.state === st)
            .filter((i) => wanted.every((w) => i.labels.some((l) => l.name === w)))
            .sort((a, b) => b.number - a.number);
          const pageItems = matching.slice((page - 1) * perPage, page * perPage);
          const links: string[] = [];
          const last = Math.max(1, Math.ceil(matching.length / perPage));
          const link = (p: number, rel: string): string => {
            const u = new URL(url.toString());
            u.searchParams.set('page', String(p));
            return `<${u.toString()}>; rel="${rel}"`;
          };
          if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
          if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'));
          return send(res, 200, pageItems, links.length ? { link: links.join(', ') } : {});
        }
        if (req.method === 'POST' && !item) {
          const b = body as { title?: string; body?: string; labels?: string[] };
          if (!b?.title)
            return send(res, 422, {
              message: 'Validation Failed',
              errors: [{ field: 'title', code: 'missing_field' }]
            });
          const number = state.issues.length + 1;
          for (const name of b.labels ?? []) {
            if (!state.labels.has(name))
              state.labels.set(name, { name, color: 'ededed', description: '' });
          }
          const issue: StandInIssue = {
            number,
            title: b.title,
            body: b.body ?? '',
            state: 'open',
            labels: (b.labels ?? []).map((name) => ({ name })),
            html_url: `${html}/issues/${number}`,
            state_reason: null,
            comments: 0,
            repository: `${owner}/${repo}`
          };
          state.issues.push(issue);
          return send(res, 201, issue);
        }
        if (req.method === 'PATCH' && item) {
          const issue = state.issues.find(
            (i) =>
              i.number === Number(item) &&
              (i.repository ?? `${owner}/${repo}`) === `${owner}/${repo}`
          );
          if (!issue) return send(res, 404, { message: 'Not Found' });
          Object.assign(issue, body as Partial<StandInIssue>);
          return send(res, 200, issue);
        }
      }
      return send(res, 404, { message: 'Not Found' });
    })().catch((error: unknown) => send(res, 500, { message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    ...state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  };
}
