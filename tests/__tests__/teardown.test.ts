import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fakeCommands, runStep } from './support/run-step.js';
import { readWorkflow } from './support/workflow-files.js';

// teardown.yml: started by hand only, behind a typed confirmation checked before any token or
// credential exists; destroys with the apply role in production, and refuses while deletion
// protection is on. Its guard and protection scripts are replayed under bash.

const { workflow } = readWorkflow('teardown.yml');
const { guard, destroy } = workflow.jobs;
const GOOD = {
  CONFIRM: 'destroy octo/shop',
  REPOSITORY: 'octo/shop',
  REF: 'refs/heads/main',
  DEFAULT_BRANCH: 'main'
};

describe('teardown.yml', () => {
  it('runs only by hand, with a required confirmation', () => {
    expect(Object.keys(workflow.on as object)).toEqual(['workflow_dispatch']);
    const inputs = (workflow.on as { workflow_dispatch: { inputs: Record<string, unknown> } })
      .workflow_dispatch.inputs;
    expect(inputs.confirm).toMatchObject({ type: 'string', required: true });
  });

  it('checks the confirmation with no permissions; destroys with the apply role, only in production', () => {
    expect(workflow.permissions).toEqual({});
    expect(guard?.permissions).toEqual({});
    expect((guard?.steps ?? []).every((s) => s.uses === undefined)).toBe(true);
    expect(destroy?.needs).toBe('guard');
    expect(destroy?.environment).toMatchObject({ name: 'production' });
    expect(destroy?.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    const credentials = destroy?.steps?.find((s) => s.uses === './actions/aws-credentials');
    expect(credentials?.with?.['role-to-assume']).toBe('${{ vars.AWS_DEPLOY_ROLE_ARN }}');
    expect(workflow.concurrency).toEqual(readWorkflow('deploy.yml').workflow.concurrency);
  });

  it.each([
    [
      'an empty confirmation',
      { CONFIRM: '' },
      'the confirmation must be exactly "destroy octo/shop"'
    ],
    ['another repository', { CONFIRM: 'destroy octo/other' }, 'the confirmation must be exactly'],
    ['a near miss', { CONFIRM: 'destroy octo/shop ' }, 'the confirmation must be exactly'],
    [
      'another branch',
      { REF: 'refs/heads/feature' },
      'run the teardown from main, not refs/heads/feature'
    ]
  ])('refuses %s before anything else runs', (_name, change, message) => {
    const run = runStep(guard?.steps?.[0], { ...GOOD, ...change }, tmpdir());
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`::error::Nothing was destroyed: ${message}`);
  });

  it('goes on with the exact confirmation on the default branch', () => {
    expect(runStep(guard?.steps?.[0], GOOD, tmpdir()).status).toBe(0);
  });

  describe('deletion protection', () => {
    const step = destroy?.steps?.find((s) => s.name === 'Nothing is still protected from deletion');
    function replay(db: boolean, alb: boolean) {
      const dir = mkdtempSync(path.join(tmpdir(), 'teardown-'));
      const state = {
        values: {
          root_module: {
            child_modules: [
              {
                resources: [
                  {
                    address: 'module.RDS.aws_db_instance.this',
                    values: { deletion_protection: db }
                  }
                ]
              },
              {
                resources: [
                  {
                    address: 'module.Load.aws_lb.this',
                    values: { enable_deletion_protection: alb }
                  }
                ]
              }
            ]
          }
        }
      };
      writeFileSync(path.join(dir, 'state.json'), JSON.stringify(state));
      const bin = fakeCommands({ terraform: `cat "${dir}/state.json"` });
      return runStep(step, { PATH: `${bin}:${process.env.PATH ?? ''}` }, dir);
    }

    it('refuses while the database or the load balancer is protected, naming them', () => {
      const run = replay(true, true);
      expect(run.status).toBe(1);
      expect(run.stdout).toContain(
        '::error::Nothing was destroyed: deletion protection is still on for module.RDS.aws_db_instance.this, module.Load.aws_lb.this.'
      );
    });

    it('goes on when both are off', () => {
      expect(replay(false, false).status).toBe(0);
    });
  });

  describe('terraform destroy', () => {
    const step = destroy?.steps?.find((s) => s.name === 'terraform destroy');
    const BACKEND = `docker.io/octo/shop-backend@sha256:${'a'.repeat(64)}`;
    const FRONTEND = `docker.io/octo/shop-frontend@sha256:${'b'.repeat(64)}`;
    const PLACEHOLDER = `docker.io/library/destroyed@sha256:${'0'.repeat(64)}`;

    /** Replays the step with a terraform that answers `output` with `releaseImages` (or fails). */
    function replay(releaseImages: string | undefined) {
      const dir = mkdtempSync(path.join(tmpdir(), 'teardown-destroy-'));
      const bin = fakeCommands({
        terraform: [
          `echo "$*" >>"${dir}/terraform.calls"`,
          'if [ "$1" = output ]; then',
          releaseImages === undefined
            ? "  echo 'Output release_images not found' >&2; exit 1"
            : `  printf '%s\\n' '${releaseImages}'`,
          'fi',
          `if [ "$1" = destroy ]; then shift; printf '%s\\n' "$@" >"${dir}/destroy.args"; fi`
        ].join('\n'),
        // The image parameters are gone: nothing may ask SSM for them any more.
        aws: `echo "$*" >>"${dir}/aws.calls"; exit 1`
      });
      const summary = path.join(dir, 'summary.md');
      writeFileSync(summary, '');
      const run = runStep(
        step,
        {
          PATH: `${bin}:${process.env.PATH ?? ''}`,
          AWS_REGION: 'eu-west-1',
          GITHUB_REPOSITORY: 'octo/shop',
          GITHUB_STEP_SUMMARY: summary,
          DOCKERHUB_USERNAME: 'octo',
          SHOP_DOMAIN: '',
          SHOP_CERTIFICATE_ARN: ''
        },
        dir
      );
      const read = (file: string): string => {
        try {
          return readFileSync(path.join(dir, file), 'utf8');
        } catch {
          return '';
        }
      };
      return { run, destroyArgs: read('destroy.args').split('\n'), awsCalls: read('aws.calls') };
    }

    it("destroys with the images the state's release_images output names, as the drift check reads them", () => {
      const { run, destroyArgs, awsCalls } = replay(
        JSON.stringify({ backend: BACKEND, frontend: FRONTEND })
      );
      expect(run.status).toBe(0);
      expect(destroyArgs).toEqual(
        expect.arrayContaining([
          '-auto-approve',
          `backend_image=${BACKEND}`,
          `frontend_image=${FRONTEND}`,
          'db_deletion_protection=false',
          'alb_deletion_protection=false'
        ])
      );
      expect(run.stdout).not.toContain('::notice::');
      expect(awsCalls).toBe('');
      expect(step?.run).not.toMatch(/ssm|\/ecommerce\/deploy\//);
    });

    it('still destroys a state without the output, with a placeholder and a notice', () => {
      const { run, destroyArgs, awsCalls } = replay(undefined);
      expect(run.status).toBe(0);
      expect(destroyArgs).toEqual(
        expect.arrayContaining([`backend_image=${PLACEHOLDER}`, `frontend_image=${PLACEHOLDER}`])
      );
      expect(run.stdout).toContain(
        '::notice::The state has no release_images output naming a backend image: destroying with a placeholder'
      );
      expect(awsCalls).toBe('');
    });
  });
});
