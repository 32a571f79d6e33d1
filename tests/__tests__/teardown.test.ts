import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
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
});
