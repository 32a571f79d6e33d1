import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fakeCommands, ghStandIn, interpolate, runStep } from './support/run-step.js';
import { readWorkflow, type Step } from './support/workflow-files.js';

// drift.yml: its promises read from the file; its plan script replayed under bash with stand-in
// terraform and aws commands, and its issue script with a `gh` stand-in answering as GitHub does.

const { workflow } = readWorkflow('drift.yml');
const deploy = readWorkflow('deploy.yml').workflow;
const plan = workflow.jobs.plan!;
const report = workflow.jobs.report!;
const planStep = plan.steps?.find((s) => s.id === 'plan') as Step;
const reportStep = report.steps?.[0] as Step;
const RUN_URL = 'https://github.com/octo/shop/actions/runs/42';

const PLAN_JSON = {
  resource_changes: [
    { address: 'module.Load.aws_lb.this', change: { actions: ['update'] } },
    { address: 'module.VPC.aws_security_group.app', change: { actions: ['delete', 'create'] } },
    { address: 'aws_ssm_parameter.backend_image', change: { actions: ['no-op'] } },
    { address: 'data.aws_availability_zones.available[0]', change: { actions: ['read'] } }
  ]
};

describe('drift.yml', () => {
  it('runs daily and by hand, only on the default branch (the plan role trusts refs/heads/main)', () => {
    const on = workflow.on as { schedule: { cron: string }[]; workflow_dispatch: unknown };
    expect(on.schedule).toHaveLength(1);
    expect(on).toHaveProperty('workflow_dispatch');
    expect(plan.if).toBe(
      "github.ref == format('refs/heads/{0}', github.event.repository.default_branch)"
    );
  });

  it('plans with the read-only plan role, and only the report job may write (issues)', () => {
    expect(workflow.permissions).toEqual({});
    expect(plan.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    expect(report.permissions).toEqual({ issues: 'write' });
    const credentials = plan.steps?.find((s) => s.uses === './actions/aws-credentials');
    expect(credentials?.with?.['role-to-assume']).toBe('${{ steps.role.outputs.arn }}');
    const role = runStep(
      plan.steps?.find((s) => s.id === 'role'),
      {
        DEPLOY_ROLE_ARN: 'arn:aws:iam::123456789012:role/ecommerce-github-deploy',
        PLAN_ROLE_ARN: ''
      },
      tmpdir()
    );
    expect(role.outputs).toEqual({ arn: 'arn:aws:iam::123456789012:role/ecommerce-github-plan' });
    expect(workflow.concurrency).toEqual(deploy.concurrency);
  });

  it('passes Terraform the settings the deploy passes, images aside', () => {
    const deployPlan = deploy.jobs.plan?.steps?.find((s) => s.uses === './actions/terraform');
    const lines = (text: unknown) =>
      String(text)
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
    const expected = lines(deployPlan?.with?.variables).filter(
      (l) => !/^(backend|frontend)_image=/.test(l)
    );
    expect(lines(planStep.env?.VARIABLES)).toEqual(expected);
  });

  describe('the plan script', () => {
    const RELEASE = {
      backend: `docker.io/octo/ecommerce-backend@sha256:${'a'.repeat(64)}`,
      frontend: `docker.io/octo/ecommerce-frontend@sha256:${'b'.repeat(64)}`
    };
    /** The plan step under bash; `terraform output -json release_images` answers `release`. */
    function replay(
      exitCode: number,
      vars: Record<string, string> = {},
      release: string = JSON.stringify(RELEASE)
    ) {
      const dir = mkdtempSync(path.join(tmpdir(), 'drift-plan-'));
      const calls = path.join(dir, 'calls');
      writeFileSync(path.join(dir, 'plan.json'), JSON.stringify(PLAN_JSON));
      writeFileSync(path.join(dir, 'release.json'), release);
      const bin = fakeCommands({
        terraform: `echo "terraform $*" >>"${calls}"; case "$1" in plan) exit ${exitCode};; show) cat "${dir}/plan.json";; output) [ "$*" = "output -json release_images" ] && cat "${dir}/release.json";; esac`
      });
      const context = {
        vars: { DOCKERHUB_USERNAME: 'octo', ...vars },
        env: { AWS_REGION: 'eu-central-1' },
        github: { repository: 'octo/shop', event: { repository: { default_branch: 'main' } } },
        steps: { aws: { outputs: { 'aws-account-id': '123456789012' } } }
      };
      const env = Object.fromEntries(
        Object.entries(planStep.env ?? {}).map(([k, v]) => [k, interpolate(v, context)])
      );
      const run = runStep(
        planStep,
        { ...env, AWS_REGION: 'eu-central-1', PATH: `${bin}:${process.env.PATH ?? ''}` },
        dir
      );
      return { run, calls: readFileSync(calls, 'utf8').split('\n').filter(Boolean) };
    }

    it('exit code 2: drift, with one line per resource Terraform would change', () => {
      const { run, calls } = replay(2, { ADMIN_CIDRS: '["203.0.113.7/32"]' });
      expect(run.status).toBe(0);
      expect(run.outputs.drift).toBe('true');
      expect(run.outputs.changes).toBe(
        '- `module.Load.aws_lb.this`: update\n- `module.VPC.aws_security_group.app`: delete and create'
      );
      const planCall = calls.find((c) => c.startsWith('terraform plan')) ?? '';
      expect(planCall).toContain('-detailed-exitcode');
      expect(planCall).toContain('-var admin_cidrs=["203.0.113.7/32"]');
      expect(planCall).toContain('-var region=eu-central-1');
      // The release the state records, not a new one: a deploy is not drift.
      expect(planCall).toContain(`-var backend_image=${RELEASE.backend}`);
      expect(planCall).toContain(`-var frontend_image=${RELEASE.frontend}`);
      expect(calls.find((c) => c.startsWith('terraform init'))).toContain(
        'bucket=ecommerce-tfstate-123456789012'
      );
    });

    it('without a release in the state (never deployed, or an older state), fails before planning', () => {
      for (const release of ['', '{"backend":"x"}']) {
        const { run, calls } = replay(0, {}, release);
        expect(run.status).toBe(1);
        expect(run.stdout).toContain('::error::Cannot read the release_images output');
        expect(calls.some((c) => c.startsWith('terraform plan'))).toBe(false);
        expect(run.outputs).toEqual({});
      }
    });

    it('exit code 0: no drift', () => {
      const { run } = replay(0);
      expect(run.status).toBe(0);
      expect(run.outputs).toEqual({ drift: 'false' });
    });

    it('any other exit code fails the job: no verdict, so no issue is opened or closed', () => {
      const { run } = replay(1);
      expect(run.status).toBe(1);
      expect(run.stdout).toContain('::error::terraform plan failed (exit code 1)');
      expect(run.outputs).toEqual({});
    });
  });

  describe('the issue script', () => {
    function replay(drift: boolean, existing: number | undefined) {
      const gh = ghStandIn([
        {
          args: /^issue list --label drift --state open/,
          stdout: existing ? [{ number: existing }] : []
        },
        { args: /^(issue|label) /, stdout: '' }
      ]);
      const run = runStep(
        reportStep,
        {
          PATH: gh.path,
          GH_TOKEN: 'ghs_x',
          GH_REPO: 'octo/shop',
          DRIFT: String(drift),
          CHANGES: '- `module.Load.aws_lb.this`: update',
          RUN_URL
        },
        tmpdir()
      );
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
      return gh.calls().filter((c) => !(c[0] === 'issue' && c[1] === 'list'));
    }

    it('opens one issue labelled drift listing the changes', () => {
      const calls = replay(true, undefined);
      expect(calls.map((c) => c.slice(0, 2).join(' '))).toEqual(['label create', 'issue create']);
      expect(calls[1]).toEqual(
        expect.arrayContaining([
          '--title',
          'Infrastructure drift: AWS differs from main',
          '--label',
          'drift'
        ])
      );
    });

    it('updates the open issue instead of opening a second one', () => {
      const calls = replay(true, 7);
      expect(calls).toEqual([
        ['issue', 'edit', '7', '--body-file', expect.any(String)],
        ['issue', 'comment', '7', '--body', `Still drifting: ${RUN_URL}`]
      ]);
    });

    it('closes the open issue when the check is clean', () => {
      expect(replay(false, 7)).toEqual([
        ['issue', 'close', '7', '--comment', `A drift check found no difference: ${RUN_URL}`]
      ]);
    });

    it('does nothing when clean and no issue is open', () => {
      expect(replay(false, undefined)).toEqual([]);
    });
  });
});
