import { describe, expect, it } from '@jest/globals';
import { falsy } from '@actions/expressions/result';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { evaluateExpression, fakeCommands, runStep } from './support/run-step.js';
import { localAction, readWorkflow, type Step } from './support/workflow-files.js';

// plan-pr.yml: its promises read from the file (no pull_request_target, least permissions,
// forks told why there is no plan), its scripts replayed under bash with stand-in commands, and
// its plan held to the settings deploy.yml plans with.

const { text, workflow } = readWorkflow('plan-pr.yml');
const deploy = readWorkflow('deploy.yml').workflow;
const plan = workflow.jobs.plan!;
const noCredentials = workflow.jobs['no-credentials']!;
const step = (id: string) => plan.steps?.find((s) => s.id === id) as Step;
const REPO = 'octo-org/shop';

/** The `github` context of a pull_request run. */
function pullRequest(headRepository: string | null, author = 'octocat') {
  return {
    github: {
      repository: REPO,
      event: {
        pull_request: {
          number: 7,
          user: { login: author },
          head: { repo: headRepository === null ? null : { full_name: headRepository } }
        }
      }
    }
  };
}
const runs = (condition: string | undefined, context: Record<string, unknown>): boolean =>
  !falsy(evaluateExpression(condition ?? 'true', context));

describe('plan-pr.yml', () => {
  it('runs on pull requests that touch the infrastructure, never as pull_request_target', () => {
    expect(Object.keys(workflow.on as object)).toEqual(['pull_request']);
    const code = text.replace(/^\s*#.*$/gm, '');
    expect(code).not.toMatch(/pull_request_target/);
    const paths = (workflow.on as { pull_request: { paths: string[] } }).pull_request.paths;
    expect(paths).toEqual(expect.arrayContaining(['terraform/**', 'compose/**']));
  });

  it('grants nothing by default; the plan job an OIDC token and its comment, the other job nothing', () => {
    expect(workflow.permissions).toEqual({});
    expect(plan.permissions).toEqual({
      contents: 'read',
      'id-token': 'write',
      'pull-requests': 'write'
    });
    expect(noCredentials.permissions).toEqual({});
    const checkout = plan.steps?.find((s) => s.uses?.startsWith('actions/checkout@'));
    expect(checkout?.with).toEqual({ 'persist-credentials': false });
  });

  it('queues per pull request, never cancelling a running plan, never in the deploy group', () => {
    expect(workflow.concurrency).toEqual({
      group: 'plan-pr-${{ github.event.pull_request.number }}',
      'cancel-in-progress': false
    });
    expect(workflow.concurrency?.group).not.toBe(deploy.concurrency?.group);
  });

  it.each([
    ['a branch of this repository', pullRequest(REPO), 'plan'],
    ['a fork', pullRequest('mallory/shop'), 'no-credentials'],
    ['a deleted fork', pullRequest(null), 'no-credentials'],
    ['Dependabot', pullRequest(REPO, 'dependabot[bot]'), 'no-credentials']
  ])('a pull request from %s runs exactly the %s job', (_label, context, job) => {
    expect({
      plan: runs(plan.if, context),
      'no-credentials': runs(noCredentials.if, context)
    }).toEqual({ plan: job === 'plan', 'no-credentials': job === 'no-credentials' });
  });

  it('a fork is told why there is no plan, as a notice and in the summary, and the job passes', () => {
    const say = noCredentials.steps?.[0];
    const fork = runStep(
      say,
      { HEAD_REPOSITORY: 'mallory/shop', AUTHOR: 'mallory', GITHUB_STEP_SUMMARY: '/dev/null' },
      tmpdir()
    );
    expect(fork.status).toBe(0);
    expect(fork.stdout).toMatch(
      /^::notice title=No Terraform plan::No Terraform plan for this pull request: it comes from the fork mallory\/shop, and GitHub runs workflows of fork pull requests without an OIDC token/m
    );
    const bot = runStep(
      say,
      { HEAD_REPOSITORY: REPO, AUTHOR: 'dependabot[bot]', GITHUB_STEP_SUMMARY: '/dev/null' },
      tmpdir()
    );
    expect(bot.stdout).toContain('it was opened by Dependabot');
  });

  describe('the plan role', () => {
    const role = (env: Record<string, string>) => runStep(step('role'), env, tmpdir());

    it('is derived from AWS_DEPLOY_ROLE_ARN as deploy.yml and drift.yml derive it', () => {
      const r = role({
        DEPLOY_ROLE_ARN: 'arn:aws:iam::123456789012:role/ecommerce-github-deploy',
        PLAN_ROLE_ARN: ''
      });
      expect(r.outputs).toEqual({
        configured: 'true',
        arn: 'arn:aws:iam::123456789012:role/ecommerce-github-plan'
      });
      expect(
        role({ DEPLOY_ROLE_ARN: '', PLAN_ROLE_ARN: 'arn:aws:iam::123456789012:role/custom' })
          .outputs.arn
      ).toBe('arn:aws:iam::123456789012:role/custom');
    });

    it('a repository that does not deploy yet: a notice, and every later step is skipped', () => {
      const r = role({ DEPLOY_ROLE_ARN: '', PLAN_ROLE_ARN: '' });
      expect(r.status).toBe(0);
      expect(r.outputs).toEqual({ configured: 'false' });
      expect(r.stdout).toContain('AWS_DEPLOY_ROLE_ARN is not set');
      const later = plan.steps!.slice(plan.steps!.indexOf(step('role')) + 1);
      expect(later.length).toBeGreaterThan(3);
      for (const s of later) expect(s.if).toBe("steps.role.outputs.configured == 'true'");
    });

    it('a malformed AWS_DEPLOY_ROLE_ARN fails the job naming the variable', () => {
      const r = role({ DEPLOY_ROLE_ARN: 'arn:aws:iam::123:role/x', PLAN_ROLE_ARN: '' });
      expect(r.status).toBe(1);
      expect(r.stdout).toContain('::error::AWS_DEPLOY_ROLE_ARN must be');
    });
  });

  describe('the released images', () => {
    const digest = (c: string) => c.repeat(64);
    function replay(terraformOutput: string | null) {
      const dir = mkdtempSync(path.join(tmpdir(), 'plan-pr-images-'));
      const bin = fakeCommands({
        terraform: `case "$1" in init) exit 0;; output) ${terraformOutput === null ? 'echo "No outputs found" >&2; exit 1' : `printf '%s' '${terraformOutput}'`};; esac`
      });
      return runStep(
        step('images'),
        {
          PATH: `${bin}:${process.env.PATH ?? ''}`,
          BUCKET: 'b',
          AWS_REGION: 'us-east-1',
          DOCKERHUB_USERNAME: 'octo'
        },
        dir
      );
    }

    it('plans with the images the last deploy released', () => {
      const backend = `docker.io/octo/ecommerce-backend@sha256:${digest('a')}`;
      const frontend = `docker.io/octo/ecommerce-frontend@sha256:${digest('b')}`;
      const r = replay(JSON.stringify({ backend, frontend }));
      expect(r.status).toBe(0);
      expect(r.outputs).toEqual({ backend, frontend });
    });

    it('before the first deploy (no output, or not an image by digest): placeholders of the same repositories', () => {
      for (const output of [null, JSON.stringify({ backend: 'latest', frontend: '' })]) {
        const r = replay(output);
        expect(r.status).toBe(0);
        expect(r.outputs).toEqual({
          backend: `docker.io/octo/ecommerce-backend@sha256:${digest('0')}`,
          frontend: `docker.io/octo/ecommerce-frontend@sha256:${digest('0')}`
        });
        expect(r.stdout).toContain('planning with a placeholder');
      }
    });
  });

  describe('the plan step', () => {
    const terraform = plan.steps?.find((s) => s.uses === './actions/terraform');
    const lines = (value: unknown) =>
      String(value)
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);

    it('posts the plan on the pull request, leaving the images out of the fingerprint', () => {
      expect(terraform?.with).toMatchObject({ mode: 'plan', 'pr-comment': 'true' });
      expect(lines(terraform?.with?.['unreviewed-variables'])).toEqual([
        'backend_image',
        'frontend_image'
      ]);
      const inputs = Object.keys(localAction('./actions/terraform')?.inputs ?? {});
      expect(inputs).toEqual(
        expect.arrayContaining(['pr-comment', 'unreviewed-variables', 'check-reviewed-plan'])
      );
    });

    it("passes Terraform the settings deploy.yml's plan passes, with the released images", () => {
      const deployPlan = deploy.jobs.plan?.steps?.find((s) => s.uses === './actions/terraform');
      const notImages = (l: string) => !/^(backend|frontend)_image=/.test(l);
      expect(lines(terraform?.with?.variables).filter(notImages)).toEqual(
        lines(deployPlan?.with?.variables).filter(notImages)
      );
      expect(lines(terraform?.with?.variables).filter((l) => !notImages(l))).toEqual([
        'backend_image=${{ steps.images.outputs.backend }}',
        'frontend_image=${{ steps.images.outputs.frontend }}'
      ]);
      expect(terraform?.with?.['backend-config']).toBe(deployPlan?.with?.['backend-config']);
    });
  });
});
