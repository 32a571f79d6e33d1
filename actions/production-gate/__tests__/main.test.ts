import { afterAll, afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseFileCommand } from '../../../tests/kit/action-bundle.js';
import { ConfigurationError } from '../../shared/src/errors.js';
import type { EnvironmentFacts, EnvironmentsApi } from '../src/environment.js';
import type { GateInputs } from '../src/inputs.js';
import { run } from '../src/main.js';
import {
  ALL_BRANCHES,
  PROTECTED,
  PROTECTED_BRANCHES_ONLY,
  branch,
  facts,
  tag
} from './support/facts.js';

// run() with a plain inputs object and an API that answers from EnvironmentFacts-shaped
// fixtures; outputs and the summary are read back from the runner's files.

const inputs: GateInputs = {
  token: 'ghs_unit-test-token-0000',
  owner: 'octo-org',
  repo: 'shop',
  environment: 'production',
  branch: 'main',
  allowUnprotected: false,
  apiUrl: 'https://api.github.com'
};

/** GitHub's JSON for the given facts. */
function api(f: EnvironmentFacts | number): EnvironmentsApi {
  const fail = (status: number): Promise<never> =>
    Promise.reject(
      Object.assign(
        new Error(status === 404 ? 'Not Found' : 'Resource not accessible by integration'),
        { status }
      )
    );
  return {
    request: () =>
      typeof f === 'number'
        ? fail(f)
        : Promise.resolve({
            data: {
              name: f.name,
              html_url: f.htmlUrl,
              deployment_branch_policy: f.branchPolicy && {
                protected_branches: f.branchPolicy.protectedBranches,
                custom_branch_policies: f.branchPolicy.customBranchPolicies
              },
              protection_rules: [
                ...(f.waitTimer ? [{ type: 'wait_timer', wait_timer: f.waitTimer }] : []),
                {
                  type: 'required_reviewers',
                  reviewers: f.reviewers.map((r) => ({
                    type: r.type,
                    reviewer: r.type === 'Team' ? { slug: r.name } : { login: r.name }
                  }))
                }
              ]
            }
          }),
    paginate: () =>
      typeof f === 'number' ? fail(f) : Promise.resolve(f.entries.map((e) => ({ ...e })))
  };
}

// core.summary remembers the summary file's path after its first write: one folder for the
// whole file, emptied before each test.
const work = mkdtempSync(path.join(tmpdir(), 'production-gate-'));
let stdout: string[];
beforeEach(() => {
  for (const name of ['GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY']) {
    process.env[name] = path.join(work, name);
    writeFileSync(path.join(work, name), '');
  }
  stdout = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  jest.restoreAllMocks();
  delete process.env.GITHUB_OUTPUT;
  delete process.env.GITHUB_STEP_SUMMARY;
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const outputs = (): Record<string, string> =>
  parseFileCommand(readFileSync(path.join(work, 'GITHUB_OUTPUT'), 'utf8'));
const summary = (): string => readFileSync(path.join(work, 'GITHUB_STEP_SUMMARY'), 'utf8');
const failure = (promise: Promise<void>): Promise<Error> =>
  promise.then(
    () => {
      throw new Error('expected run() to fail');
    },
    (e: unknown) => e as Error
  );

describe('run', () => {
  it('protected: outputs true, the reviewers and the wait timer; a summary table', async () => {
    await run(inputs, api(PROTECTED));
    expect(outputs()).toEqual({ protected: 'true', reviewers: 'alice,ops', 'wait-timer': '5' });
    const text = summary();
    expect(text.split('\n')[0]).toBe('### Production gate — ✅ protected');
    expect(text).toContain(
      '| Environment | Branch policy found | Reviewers | Wait timer | Verdict |'
    );
    expect(text).toContain(
      '| Selected branches and tags: branch "main" | alice, team ops | 5 min | ✅ only main can deploy |'
    );
    expect(stdout.join('')).not.toContain('::warning::');
  });

  it('"Protected branches only": refused, saying why and what to set step by step', async () => {
    const error = await failure(run(inputs, api(PROTECTED_BRANCHES_ONLY)));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain(
      '"Protected branches only" lets every branch that has a branch protection rule deploy'
    );
    expect(error.message).toContain(
      '  1. Settings → Environments → production → Deployment branches and tags.'
    );
    expect(error.message).toContain('  2. Choose "Selected branches and tags"');
    expect(error.message).toContain(
      '  3. Add deployment branch or tag rule → Ref type: Branch → Name pattern: main'
    );
    expect(error.message).toContain(
      'set the repository variable ALLOW_UNPROTECTED_PRODUCTION to true'
    );
    expect(outputs()).toMatchObject({ protected: 'false' });
    expect(summary().split('\n')[0]).toBe('### Production gate — ❌ not protected, deploy refused');
  });

  it('all branches: refused; no reviewers either, so the steps suggest adding some', async () => {
    const error = await failure(run(inputs, api(ALL_BRANCHES)));
    expect(error.message).toContain('every branch can deploy to "production"');
    expect(error.message).toContain('add Required reviewers');
    expect(outputs()).toEqual({ protected: 'false', reviewers: '', 'wait-timer': '0' });
    expect(summary()).toContain(
      '| All branches (no restriction) | none (deploys need no approval) | none |'
    );
  });

  it('a second branch, a wildcard and a tag rule: each named, with the CLI lines that delete them', async () => {
    const f = facts({
      entries: [branch('main', 11), branch('develop', 12), branch('release/*', 13), tag('v*', 14)]
    });
    const error = await failure(run(inputs, api(f)));
    expect(error.message).toContain('branch "develop" is a second branch');
    expect(error.message).toContain('branch "release/*" is a pattern');
    expect(error.message).toContain('tag "v*" is a tag rule');
    expect(error.message).toContain(
      'Delete the rules branch "develop", branch "release/*", tag "v*"'
    );
    expect(error.message).toContain(
      'gh api -X DELETE repos/octo-org/shop/environments/production/deployment-branch-policies/13'
    );
    expect(error.message).not.toContain('deployment-branch-policies/11');
    expect(error.message).not.toContain('Name pattern: main'); // main is already there
  });

  it('a lone wildcard: the steps add main as well as deleting the pattern', async () => {
    const error = await failure(run(inputs, api(facts({ entries: [branch('*', 7)] }))));
    expect(error.message).toContain('Delete the rule branch "*" (the trash icon beside each rule)');
    expect(error.message).toContain('Name pattern: main');
    expect(error.message).toContain(
      'gh api -X POST repos/octo-org/shop/environments/production/deployment-branch-policies -f name=main -f type=branch'
    );
  });

  it('override on: succeeds; the summary opens with the bold warning naming the variable; a ::warning::', async () => {
    await run({ ...inputs, allowUnprotected: true }, api(ALL_BRANCHES));
    const lines = summary().split('\n');
    expect(lines[0]).toMatch(
      /^\*\*⚠️ Production is not protected: .*override variable ALLOW_UNPROTECTED_PRODUCTION is set.*\*\*$/
    );
    expect(lines[2]).toBe('### Production gate — ⚠️ not protected, allowed by override');
    expect(outputs()).toMatchObject({ protected: 'false' });
    const warning = stdout.find((l) => l.startsWith('::warning::')) ?? '';
    expect(warning).toContain('ALLOW_UNPROTECTED_PRODUCTION');
    expect(warning).toContain('every branch can deploy');
  });

  it('override on, environment protected: nothing to warn about', async () => {
    await run({ ...inputs, allowUnprotected: true }, api(PROTECTED));
    expect(summary().split('\n')[0]).toBe('### Production gate — ✅ protected');
    expect(stdout.join('')).not.toContain('::warning::');
  });

  it('override off: the same environment is refused', async () => {
    await expect(run(inputs, api(ALL_BRANCHES))).rejects.toThrow('is not protected');
  });

  it('missing environment: refused with how to create it, even with the override', async () => {
    for (const allowUnprotected of [false, true]) {
      const error = await failure(run({ ...inputs, allowUnprotected }, api(404)));
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.message).toContain(
        'The environment "production" does not exist in octo-org/shop'
      );
      expect(error.message).toContain(
        'Settings → Environments → production → Deployment branches and tags → Selected branches and tags'
      );
      expect(error.message).toContain('GitHub creates an unprotected "production" environment');
    }
    expect(summary()).toContain('### Production gate — ❌ environment missing');
    expect(outputs()).toMatchObject({ protected: 'false' });
  });

  it('403: refused, naming the permission; the summary says the environment could not be read', async () => {
    const error = await failure(run(inputs, api(403)));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('permissions:\n    actions: read');
    expect(summary()).toContain('### Production gate — ❌ could not read the environment');
  });
});
