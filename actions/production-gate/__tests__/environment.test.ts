import { describe, expect, it } from '@jest/globals';
import { ConfigurationError } from '../../shared/src/errors.js';
import {
  type EnvironmentsApi,
  fetchEnvironment,
  parseEntries,
  parseEnvironment
} from '../src/environment.js';

const target = { owner: 'octo-org', repo: 'shop', environment: 'production' };

/** GitHub's answer for an environment, as documented (trimmed to what the gate reads). */
function environmentBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 161088068,
    name: 'production',
    html_url:
      'https://github.com/octo-org/shop/deployments/activity_log?environments_filter=production',
    protection_rules: [
      { id: 3736, node_id: 'GA_1', type: 'wait_timer', wait_timer: 30 },
      {
        id: 3755,
        node_id: 'GA_2',
        type: 'required_reviewers',
        prevent_self_review: true,
        reviewers: [
          { type: 'User', reviewer: { login: 'octocat', id: 1 } },
          { type: 'Team', reviewer: { slug: 'justice-league', name: 'Justice League', id: 1 } }
        ]
      },
      { id: 3756, node_id: 'GA_3', type: 'branch_policy' }
    ],
    deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
    ...overrides
  };
}

function httpError(status: number, message: string, headers: Record<string, string> = {}): Error {
  return Object.assign(new Error(message), { status, response: { headers } });
}

interface FakeCalls {
  request: string[];
  paginate: { route: string; params: Record<string, unknown> }[];
}

function fakeApi(
  environment: () => Promise<unknown>,
  policies: () => Promise<unknown[]> = () => Promise.resolve([])
): { api: EnvironmentsApi; calls: FakeCalls } {
  const calls: FakeCalls = { request: [], paginate: [] };
  const api: EnvironmentsApi = {
    request: async (route) => {
      calls.request.push(route);
      return { data: await environment() };
    },
    paginate: async (route, params) => {
      calls.paginate.push({ route, params });
      return policies();
    }
  };
  return { api, calls };
}

const noWait = { sleep: () => Promise.resolve() };

describe('reading GitHub answers', () => {
  it('reads reviewers (user logins and team slugs), the wait timer and the branch policy setting', () => {
    expect(parseEnvironment(environmentBody())).toEqual({
      name: 'production',
      htmlUrl: expect.stringContaining('environments_filter=production'),
      branchPolicy: { protectedBranches: false, customBranchPolicies: true },
      reviewers: [
        { type: 'User', name: 'octocat' },
        { type: 'Team', name: 'justice-league' }
      ],
      waitTimer: 30,
      preventSelfReview: true
    });
  });

  it('an environment without rules or policy: no reviewers, no timer, all branches', () => {
    const parsed = parseEnvironment({ name: 'production', deployment_branch_policy: null });
    expect(parsed).toMatchObject({ branchPolicy: null, reviewers: [], waitTimer: 0 });
  });

  it('policy entries: tag rules are tags; an entry without a type (made before tag rules) is a branch', () => {
    expect(
      parseEntries([
        { id: 1, name: 'main', type: 'branch' },
        { id: 2, name: 'v*', type: 'tag' },
        { id: 3, name: 'legacy' }
      ])
    ).toEqual([
      { id: 1, name: 'main', type: 'branch' },
      { id: 2, name: 'v*', type: 'tag' },
      { id: 3, name: 'legacy', type: 'branch' }
    ]);
  });
});

describe('fetchEnvironment', () => {
  it('custom branch policies: lists every entry through pagination, 100 per page', async () => {
    const { api, calls } = fakeApi(
      () => Promise.resolve(environmentBody()),
      () => Promise.resolve([{ id: 1, name: 'main', type: 'branch' }])
    );
    const facts = await fetchEnvironment(api, target, noWait);
    expect(facts?.entries).toEqual([{ id: 1, name: 'main', type: 'branch' }]);
    expect(calls.request).toEqual(['GET /repos/{owner}/{repo}/environments/{environment_name}']);
    expect(calls.paginate).toEqual([
      {
        route:
          'GET /repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies',
        params: { owner: 'octo-org', repo: 'shop', environment_name: 'production', per_page: 100 }
      }
    ]);
  });

  it('no custom policies (all branches, or protected branches): the list is not asked for', async () => {
    for (const policy of [null, { protected_branches: true, custom_branch_policies: false }]) {
      const { api, calls } = fakeApi(() =>
        Promise.resolve(environmentBody({ deployment_branch_policy: policy }))
      );
      expect((await fetchEnvironment(api, target, noWait))?.entries).toEqual([]);
      expect(calls.paginate).toEqual([]);
    }
  });

  it('404: the environment does not exist (undefined, not an error)', async () => {
    const { api } = fakeApi(() => Promise.reject(httpError(404, 'Not Found')));
    await expect(fetchEnvironment(api, target, noWait)).resolves.toBeUndefined();
  });

  it('403 from the environment: a ConfigurationError naming the job permission to add', async () => {
    const { api } = fakeApi(() =>
      Promise.reject(httpError(403, 'Resource not accessible by integration'))
    );
    const error = await fetchEnvironment(api, target, noWait).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    const message = (error as Error).message;
    expect(message).toContain('403: Resource not accessible by integration');
    expect(message).toContain('permissions:\n    actions: read');
    expect(message).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('403 from the policy list: the same permission message', async () => {
    const { api } = fakeApi(
      () => Promise.resolve(environmentBody()),
      () => Promise.reject(httpError(403, 'Resource not accessible by integration'))
    );
    await expect(fetchEnvironment(api, target, noWait)).rejects.toThrow('actions: read');
  });

  it('401: says to use the workflow token', async () => {
    const { api } = fakeApi(() => Promise.reject(httpError(401, 'Bad credentials')));
    await expect(fetchEnvironment(api, target, noWait)).rejects.toThrow(
      /401: Bad credentials.*github-token/s
    );
  });

  it('a 403 for a spent rate limit is not blamed on the permissions', async () => {
    const { api } = fakeApi(() =>
      Promise.reject(httpError(403, 'API rate limit exceeded', { 'x-ratelimit-remaining': '0' }))
    );
    const error = await fetchEnvironment(api, target, noWait).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe(
      'Could not read the environment "production": API rate limit exceeded'
    );
  });

  it('a 502 is retried, then the answer is used', async () => {
    let attempts = 0;
    const { api } = fakeApi(() =>
      ++attempts === 1
        ? Promise.reject(httpError(502, 'Bad Gateway'))
        : Promise.resolve(environmentBody())
    );
    const logged: string[] = [];
    const facts = await fetchEnvironment(api, target, { ...noWait, log: (l) => logged.push(l) });
    expect(attempts).toBe(2);
    expect(facts?.waitTimer).toBe(30);
    expect(logged[0]).toMatch(/^GET environment: Bad Gateway; retry 1 in \d+ ms$/);
  });

  it('an outage that outlasts the deadline: an error that says what could not be read', async () => {
    const { api } = fakeApi(() => Promise.reject(httpError(503, 'Service Unavailable')));
    await expect(fetchEnvironment(api, target, { ...noWait, deadlineMs: 0 })).rejects.toThrow(
      'Could not read the environment "production": Service Unavailable'
    );
  });
});
