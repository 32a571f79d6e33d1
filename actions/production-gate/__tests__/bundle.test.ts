import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { runBundle, type BundleRun } from '../../../tests/kit/action-bundle.js';
import {
  startGitHubStandIn,
  type GitHubStandIn,
  type StandInEnvironment
} from '../../../tests/kit/stand-ins/github-api.js';

// The committed bundle, run as the runner runs it (Node 24, INPUT_*, runner files), with
// octokit talking to the project's GitHub REST stand-in on loopback.

const TOKEN = 'ghs_bundleTestToken0123456789abcdefABCD';
const REPO = 'octo-org/ecommerce_docker_deployment'; // what runBundle sets as GITHUB_REPOSITORY

let gh: GitHubStandIn;
beforeAll(async () => {
  gh = await startGitHubStandIn();
});
afterAll(async () => {
  await gh?.close();
});
beforeEach(() => {
  gh.environments.clear();
  delete gh.faults.environments;
  gh.requests.length = 0;
});

const REVIEWERS = {
  type: 'required_reviewers',
  id: 2,
  prevent_self_review: true,
  reviewers: [
    { type: 'User', reviewer: { login: 'alice', id: 11 } },
    { type: 'Team', reviewer: { slug: 'release-managers', name: 'Release managers', id: 12 } }
  ]
};

function mainOnly(): StandInEnvironment {
  return {
    deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
    protection_rules: [{ type: 'wait_timer', id: 1, wait_timer: 10 }, REVIEWERS],
    branch_policies: [{ id: 501, name: 'main', type: 'branch' }]
  };
}

function gate(inputs: Record<string, string> = {}): Promise<BundleRun> {
  return runBundle('production-gate', {
    inputs: { 'github-token': TOKEN, ...inputs },
    env: { GITHUB_API_URL: gh.url },
    timeoutMs: 60_000
  });
}

/** Nothing the action printed or wrote may hold the token, except the mask command itself. */
function expectTokenHidden(run: BundleRun): void {
  expect(run.masked).toContain(TOKEN);
  const printed = run.stdout.replace(`::add-mask::${TOKEN}`, '');
  for (const text of [printed, run.stderr, run.summary, JSON.stringify(run.outputs)]) {
    expect(text).not.toContain(TOKEN);
  }
}

describe('production-gate bundle', () => {
  it('protected: exit 0, outputs, a summary table; both endpoints asked, with the token', async () => {
    gh.environments.set('production', mainOnly());
    const run = await gate();
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toEqual({
      protected: 'true',
      reviewers: 'alice,release-managers',
      'wait-timer': '10'
    });
    const lines = run.summary.split('\n');
    expect(lines[0]).toBe('### Production gate — ✅ protected');
    expect(run.summary).toContain(
      '| Selected branches and tags: branch "main" | alice, team release-managers (no self-review) | 10 min | ✅ only main can deploy |'
    );
    expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /repos/${REPO}/environments/production`,
      `GET /repos/${REPO}/environments/production/deployment-branch-policies`
    ]);
    expect(gh.requests[1]?.query).toMatchObject({ per_page: '100' });
    expectTokenHidden(run);
  });

  it('unprotected (a pattern on the second page of policies): exit 1, the entry named, the steps', async () => {
    const others = Array.from({ length: 120 }, (_, i) => ({
      id: 600 + i,
      name: 'main',
      type: 'branch' as const
    }));
    gh.environments.set('production', {
      ...mainOnly(),
      // 121 entries: the offending one is only on page 2 (100 per page).
      branch_policies: [...others, { id: 777, name: 'release/*', type: 'branch' }]
    });
    const run = await gate();
    expect(run.exitCode).toBe(1);
    expect(run.outputs.protected).toBe('false');
    const message = run.errors[0] ?? '';
    expect(message).toContain(
      `The environment "production" of ${REPO} is not protected: "production" lets more than main deploy: branch "release/*" is a pattern`
    );
    expect(message).toContain('2. Choose "Selected branches and tags"');
    expect(message).toContain('3. Delete the rule branch "release/*"');
    expect(message).toContain(
      `gh api -X DELETE repos/${REPO}/environments/production/deployment-branch-policies/777`
    );
    expect(message).toContain('ALLOW_UNPROTECTED_PRODUCTION');
    expect(
      gh.requests
        .filter((r) => r.path.endsWith('/deployment-branch-policies'))
        .map((r) => r.query.page ?? '1')
    ).toEqual(['1', '2']);
    expect(run.summary.split('\n')[0]).toBe(
      '### Production gate — ❌ not protected, deploy refused'
    );
    expect(run.stdout).not.toMatch(/^\s+at /m); // a message, not a stack trace
  });

  it('"Protected branches only": exit 1, saying any protected branch could deploy and what to set', async () => {
    gh.environments.set('production', {
      deployment_branch_policy: { protected_branches: true, custom_branch_policies: false }
    });
    const run = await gate();
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toContain(
      '"Protected branches only" lets every branch that has a branch protection rule deploy'
    );
    expect(run.errors[0]).toContain('Name pattern: main');
    // No custom policies: the list is not asked for.
    expect(gh.requests).toHaveLength(1);
  });

  it('missing environment: exit 1, how to create it and why it matters', async () => {
    gh.environments.set('staging', mainOnly());
    const run = await gate();
    expect(run.exitCode).toBe(1);
    expect(run.outputs.protected).toBe('false');
    const message = run.errors[0] ?? '';
    expect(message).toContain(
      `The environment "production" does not exist in ${REPO} (GitHub answered 404)`
    );
    expect(message).toContain(
      'Settings → Environments → production → Deployment branches and tags → Selected branches and tags'
    );
    expect(message).toContain(
      'GitHub creates an unprotected "production" environment the first time a job names it'
    );
    expect(run.summary).toContain('### Production gate — ❌ environment missing');
  });

  it('token refused (403): exit 1, the permission to add, no stack trace, token hidden', async () => {
    gh.environments.set('production', mainOnly());
    gh.faults.environments = { status: 403, message: 'Resource not accessible by integration' };
    const run = await gate();
    expect(run.exitCode).toBe(1);
    const message = run.errors[0] ?? '';
    expect(message).toContain('403: Resource not accessible by integration');
    expect(message).toContain('permissions:\n    actions: read');
    expect(message).not.toContain('production-gate failed'); // a ConfigurationError, not a bug
    expect(run.stdout).not.toMatch(/^\s+at /m);
    expectTokenHidden(run);
  });

  it("override set, all branches allowed: exit 0; the summary's first line says so in bold; a warning", async () => {
    gh.environments.set('production', { deployment_branch_policy: null });
    const run = await gate({ 'allow-unprotected': 'true' });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toEqual({ protected: 'false', reviewers: '', 'wait-timer': '0' });
    expect(run.summary.split('\n')[0]).toBe(
      '**⚠️ Production is not protected: the environment "production" does not restrict ' +
        'deployments to main, and the override variable ALLOW_UNPROTECTED_PRODUCTION is set, so ' +
        'this deploy went ahead anyway.**'
    );
    expect(run.summary).toContain('| All branches (no restriction) |');
    expect(run.stdout).toMatch(
      /^::warning::⚠️ Production is not protected.*ALLOW_UNPROTECTED_PRODUCTION/m
    );
  });

  it('override "false": the same environment is refused', async () => {
    gh.environments.set('production', { deployment_branch_policy: null });
    const run = await gate({ 'allow-unprotected': 'false' });
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toContain('every branch can deploy to "production"');
  });

  it('a bad input fails naming it, before any request', async () => {
    gh.environments.set('production', mainOnly());
    const run = await gate({ 'allow-unprotected': 'yes' });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      'Input "allow-unprotected" must be "true", "false" or empty, got "yes".'
    ]);
    expect(gh.requests).toEqual([]);
  });
});
