import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runBundle, type BundleRun } from '../../../tests/kit/action-bundle.js';
import {
  installStandInTerraform,
  type StandInScenario
} from '../../../tests/kit/stand-ins/terraform-cli.js';
import { startGitHubStandIn, type GitHubStandIn } from '../../../tests/kit/stand-ins/github-api.js';
import type { PlanDocument } from '../src/plan-json.js';
import { FRONT_A, FRONT_B, IMAGE_A, IMAGE_B, resource, shopPlan } from './support/plans.js';

// The committed bundle, run as the runner runs it, with the stand-in `terraform` on PATH.

const COMMIT = '0123456789abcdef0123456789abcdef01234567'; // runBundle's GITHUB_SHA
const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const SECRET = 'registry-token-0f9e8d7c';

function workspace(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tf-action-ws-'));
  mkdirSync(path.join(dir, 'infra'));
  writeFileSync(path.join(dir, 'infra/main.tf'), '# the stand-in never reads this\n');
  return dir;
}

async function terraformRun(
  ws: string,
  scenario: StandInScenario,
  inputs: Record<string, string>
): Promise<{ run: BundleRun; tf: ReturnType<typeof installStandInTerraform> }> {
  const tf = installStandInTerraform(scenario, FIXTURES);
  const run = await runBundle('terraform', {
    cwd: ws,
    inputs: { 'working-directory': 'infra', ...inputs },
    env: tf.env
  });
  return { run, tf };
}

const PLAN_INPUTS = {
  mode: 'plan',
  'backend-config':
    'bucket=ecommerce-tfstate-123456789012\nkey=ecommerce/terraform.tfstate\nregion=us-east-1',
  variables: [
    'backend_image=docker.io/octo/ecommerce-backend@sha256:' + 'b'.repeat(64),
    'dockerhub_username=octo'
  ].join('\n'),
  'secret-variables': `registry_token=${SECRET}`,
  'lock-timeout': '90s'
};

describe('terraform bundle, mode plan', () => {
  it('runs init, fmt -check, validate, plan -out, show; secrets only as TF_VAR_; summary and outputs', async () => {
    const ws = workspace();
    const { run, tf } = await terraformRun(
      ws,
      { planJson: 'aws-first-deploy.plan.json' },
      PLAN_INPUTS
    );
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(tf.subcommands()).toEqual([
      'version',
      'init',
      'fmt',
      'validate',
      'plan',
      'show',
      'show'
    ]);

    const calls = tf.calls();
    const planFile = path.join(ws, 'infra/tfplan');
    expect(calls[1]?.args).toEqual([
      'init',
      '-input=false',
      '-no-color',
      '-backend-config=bucket=ecommerce-tfstate-123456789012',
      '-backend-config=key=ecommerce/terraform.tfstate',
      '-backend-config=region=us-east-1'
    ]);
    expect(calls[2]?.args).toEqual(['fmt', '-check', '-recursive', '-no-color']);
    expect(calls[4]?.args).toEqual([
      'plan',
      '-input=false',
      '-no-color',
      '-lock-timeout=90s',
      '-detailed-exitcode',
      `-out=${planFile}`,
      '-var',
      'backend_image=docker.io/octo/ecommerce-backend@sha256:' + 'b'.repeat(64),
      '-var',
      'dockerhub_username=octo'
    ]);
    expect(calls[5]?.args).toEqual(['show', '-json', planFile]);
    for (const call of calls) {
      expect(call.cwd).toBe(path.join(ws, 'infra'));
      expect(call.args.join(' ')).not.toContain(SECRET);
      expect(call.tfEnv).toMatchObject({
        TF_VAR_registry_token: SECRET,
        TF_IN_AUTOMATION: '1',
        TF_INPUT: '0'
      });
    }
    expect(run.masked).toContain(SECRET);
    expect(run.stdout.replace(/^::add-mask::.*$/gm, '')).not.toContain(SECRET);

    expect(run.outputs).toMatchObject({
      'plan-file': planFile,
      'plan-meta-file': `${planFile}.meta.json`,
      'has-changes': 'true',
      add: '6',
      change: '0',
      destroy: '0',
      replace: '0'
    });
    const meta = JSON.parse(readFileSync(`${planFile}.meta.json`, 'utf8')) as Record<
      string,
      unknown
    >;
    expect(meta).toMatchObject({ commit: COMMIT, workingDirectory: 'infra', add: 6 });
    expect(meta.planSha256).toMatch(/^[0-9a-f]{64}$/);

    expect(run.summary).toContain('### Terraform plan — `infra`');
    expect(run.summary).toContain('**Plan: 6 to add, 0 to change, 0 to destroy.**');
    expect(run.summary).toContain('| ➕ create | `module.rds.aws_db_instance.this` |  |');
    expect(run.summary).toContain('<details><summary>Full plan (Terraform 1.11.4)</summary>');
  });

  it('a plan that replaces the database: refused by the destroy guard, with the plan in the summary', async () => {
    const { run } = await terraformRun(
      workspace(),
      { planJson: 'aws-replaces-database.plan.json' },
      PLAN_INPUTS
    );
    expect(run.exitCode).not.toBe(0);
    expect(run.errors[0]).toContain('Refusing a plan that deletes protected resources');
    expect(run.errors[0]).toContain('module.rds.aws_db_instance.this (replace');
    expect(run.errors[0]).toContain('allow-destroy');
    expect(run.summary).toContain('Refused by the destroy guard: module.rds.aws_db_instance.this');
    expect(run.summary).toContain('♻️ replace');
  });

  it('the same plan with allow-destroy: aws_db_instance: passes', async () => {
    const { run } = await terraformRun(
      workspace(),
      { planJson: 'aws-replaces-database.plan.json' },
      { ...PLAN_INPUTS, 'allow-destroy': 'aws_db_instance' }
    );
    expect(run.errors).toEqual([]);
    expect(run.outputs).toMatchObject({ destroy: '2', replace: '1', add: '1', change: '1' });
  });

  it('state locked by another run: fails saying who holds it, since when, and how to release it', async () => {
    const { run, tf } = await terraformRun(
      workspace(),
      {
        planJson: 'aws-image-update.plan.json',
        answers: { plan: { exitCode: 1, stderrFixture: 's3-lock.stderr.txt' } }
      },
      PLAN_INPUTS
    );
    expect(run.exitCode).not.toBe(0);
    const message = run.errors[0] ?? '';
    expect(message).toContain('The Terraform state is locked by runner@fv-az1234-567');
    expect(message).toContain('operation OperationTypeApply');
    expect(message).toContain('since 2026-11-26 01:02:03.456789012 +0000 UTC');
    expect(message).toContain('waited 90s ("lock-timeout")');
    expect(message).toContain('force-unlock 6f3c2b7e-9a41-8d05-1c2e-4b7a9f0d3e11');
    expect(tf.subcommands()).not.toContain('show');
    expect(run.outputs).toEqual({});
  });

  it('files not in fmt style: fails listing them', async () => {
    const { run, tf } = await terraformRun(
      workspace(),
      {
        planJson: 'aws-image-update.plan.json',
        answers: { fmt: { exitCode: 3, stdout: 'main.tf\nmodules/ec2/main.tf\n' } }
      },
      PLAN_INPUTS
    );
    expect(run.errors[0]).toContain('not in terraform fmt style: main.tf, modules/ec2/main.tf');
    expect(tf.subcommands()).not.toContain('plan');
  });

  it('a bad variable name, lock-timeout or protect-types: fails naming the input, before terraform runs', async () => {
    for (const [inputs, expected] of [
      [
        { variables: 'not a name=1' },
        'Input "variables": "not a name" is not a Terraform variable name'
      ],
      [{ 'lock-timeout': 'forever' }, 'Input "lock-timeout" must be a duration'],
      [{ 'protect-types': 'AWS DB' }, 'Input "protect-types" must list resource types'],
      [{ mode: 'destroy' }, 'Input "mode" must be one of plan, apply']
    ] as const) {
      const { run, tf } = await terraformRun(
        workspace(),
        { planJson: 'aws-no-changes.plan.json' },
        { ...PLAN_INPUTS, ...inputs }
      );
      expect(run.errors[0]).toContain(expected);
      expect(tf.calls()).toEqual([]);
    }
  });

  it('a missing working directory: fails naming the input', async () => {
    const { run } = await terraformRun(
      workspace(),
      { planJson: 'aws-no-changes.plan.json' },
      { ...PLAN_INPUTS, 'working-directory': 'nowhere' }
    );
    expect(run.errors[0]).toBe('Input "working-directory": directory "nowhere" does not exist.');
  });

  it('terraform not on PATH: says to install it with setup-terraform, wrapper off', async () => {
    const run = await runBundle('terraform', {
      cwd: workspace(),
      inputs: { 'working-directory': 'infra' },
      env: { PATH: path.dirname(process.execPath) }
    });
    expect(run.errors[0]).toContain('terraform is not on PATH');
    expect(run.errors[0]).toContain('terraform_wrapper: false');
  });
});

describe('terraform bundle, mode apply', () => {
  async function planned(): Promise<string> {
    const ws = workspace();
    const { run } = await terraformRun(ws, { planJson: 'aws-image-update.plan.json' }, PLAN_INPUTS);
    expect(run.exitCode).toBe(0);
    return ws;
  }
  const APPLY_INPUTS = {
    mode: 'apply',
    'backend-config': PLAN_INPUTS['backend-config'],
    'secret-variables': PLAN_INPUTS['secret-variables']
  };

  it('applies exactly the saved plan and publishes each output, masking sensitive ones', async () => {
    const ws = await planned();
    const { run, tf } = await terraformRun(
      ws,
      { planJson: 'aws-image-update.plan.json', outputs: 'aws-outputs.json' },
      APPLY_INPUTS
    );
    expect(run.errors).toEqual([]);
    expect(tf.subcommands()).toEqual(['init', 'show', 'show', 'apply', 'output']);
    expect(tf.calls()[3]?.args).toEqual([
      'apply',
      '-input=false',
      '-no-color',
      '-lock-timeout=5m',
      path.join(ws, 'infra/tfplan')
    ]);
    expect(run.outputs.shop_url).toBe(
      'http://ecommerce-alb-1234567890.us-east-1.elb.amazonaws.com'
    );
    expect(JSON.parse(run.outputs.app_instance_ids ?? '')).toEqual({
      az1: 'i-0a1b2c3d4e5f60718',
      az2: 'i-0f1e2d3c4b5a69788'
    });
    expect(run.outputs.grafana_url).toBe('null');
    expect(run.masked).toContain('s3cr3t-Db-Passw0rd!');
    const all = JSON.parse(run.outputs.outputs ?? '') as Record<string, unknown>;
    expect(all.db_master_password).toBeNull();
    expect(all.region).toBe('us-east-1');
    expect(JSON.parse(run.outputs['sensitive-outputs'] ?? '')).toEqual(['db_master_password']);
    expect(run.summary).toContain('### Terraform apply — `infra`');
    expect(run.summary).toContain('| `db_master_password` | (sensitive) |');
    expect(run.summary).not.toContain('s3cr3t-Db-Passw0rd!');
  });

  it('Terraform says the saved plan is stale: refuses, saying nothing was applied', async () => {
    const ws = await planned();
    const { run } = await terraformRun(
      ws,
      {
        planJson: 'aws-image-update.plan.json',
        answers: { apply: { exitCode: 1, stderrFixture: 'real-1.11.4-stale-plan.stderr.txt' } }
      },
      APPLY_INPUTS
    );
    expect(run.errors[0]).toContain('Refusing a stale plan: Terraform says the state changed');
    expect(run.errors[0]).toContain('nothing was applied');
    expect(run.outputs).toEqual({});
  });

  it('a plan from another commit: refused before Terraform runs', async () => {
    const ws = await planned();
    const metaFile = path.join(ws, 'infra/tfplan.meta.json');
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(metaFile, JSON.stringify({ ...meta, commit: 'f'.repeat(40) }));
    const { run, tf } = await terraformRun(
      ws,
      { planJson: 'aws-image-update.plan.json' },
      APPLY_INPUTS
    );
    expect(run.errors[0]).toContain(
      `Refusing a stale plan: it was made from commit ${'f'.repeat(40)}`
    );
    expect(tf.calls()).toEqual([]);
  });

  it('a plan file changed after planning: refused (SHA-256 mismatch)', async () => {
    const ws = await planned();
    writeFileSync(path.join(ws, 'infra/tfplan'), 'something else');
    const { run, tf } = await terraformRun(
      ws,
      { planJson: 'aws-image-update.plan.json' },
      APPLY_INPUTS
    );
    expect(run.errors[0]).toContain('The file changed after planning');
    expect(tf.calls()).toEqual([]);
  });

  it('no saved plan: says to run mode plan first and carry the plan', async () => {
    const { run } = await terraformRun(
      workspace(),
      { planJson: 'aws-image-update.plan.json' },
      APPLY_INPUTS
    );
    expect(run.errors[0]).toContain('no saved plan at');
    expect(run.errors[0]).toContain('mode: plan first');
  });

  it('the destroy guard is checked again before applying', async () => {
    const ws = workspace();
    await terraformRun(
      ws,
      { planJson: 'aws-replaces-database.plan.json' },
      { ...PLAN_INPUTS, 'allow-destroy': 'aws_db_instance' }
    );
    const { run, tf } = await terraformRun(
      ws,
      { planJson: 'aws-replaces-database.plan.json' },
      APPLY_INPUTS
    );
    expect(run.errors[0]).toContain('Refusing a plan that deletes protected resources');
    expect(tf.subcommands()).not.toContain('apply');
  });

  it('variables with mode apply: refused naming the input (the plan holds them)', async () => {
    const { run } = await terraformRun(
      workspace(),
      { planJson: 'aws-no-changes.plan.json' },
      {
        ...APPLY_INPUTS,
        variables: 'x=1'
      }
    );
    expect(run.errors[0]).toContain('Input "variables" cannot be used with mode: apply');
  });
});

describe('terraform bundle, the plan on the pull request and the check after the merge', () => {
  // The GitHub stand-in plays the pull request, its comments and the merge; the plan made on
  // the pull request uses the images running now, the deploy's the images it just built.
  const TOKEN = 'ghs_workflowtoken0123456789';
  const MERGE = 'e'.repeat(40);
  const HEAD = 'f'.repeat(40);
  const lb = (timeout: number) => resource('aws_lb.this', ['update'], { idle_timeout: timeout });
  let gh: GitHubStandIn;
  beforeAll(async () => {
    gh = await startGitHubStandIn();
  });
  afterAll(async () => gh.close());
  beforeEach(() => {
    gh.pulls.length = 0;
    gh.comments.length = 0;
    gh.pulls.push({
      number: 7,
      state: 'open',
      merged_at: null,
      merge_commit_sha: null,
      head: { sha: HEAD, ref: 'bigger-timeout' },
      base: { ref: 'main' }
    });
  });
  const merge = () =>
    Object.assign(gh.pulls[0]!, {
      state: 'closed',
      merged_at: '2026-12-05T10:00:00Z',
      merge_commit_sha: MERGE
    });

  async function run(
    ws: string,
    plan: PlanDocument,
    inputs: Record<string, string>,
    env: Record<string, string>,
    answers: StandInScenario['answers'] = {}
  ) {
    const planJson = path.join(ws, `plan-${Date.now()}.json`);
    writeFileSync(planJson, JSON.stringify(plan));
    const tf = installStandInTerraform({ planJson, answers }, FIXTURES);
    const result = await runBundle('terraform', {
      cwd: ws,
      inputs: {
        'working-directory': 'infra',
        'unreviewed-variables': 'backend_image\nfrontend_image',
        'github-token': TOKEN,
        ...inputs
      },
      env: { ...tf.env, GITHUB_API_URL: gh.url, ...env }
    });
    return { run: result, tf };
  }

  function pullRequestEnv(ws: string, head = HEAD): Record<string, string> {
    const event = path.join(ws, 'event.json');
    writeFileSync(
      event,
      JSON.stringify({
        pull_request: { number: 7, head: { sha: head }, base: { ref: 'main' } }
      })
    );
    return {
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: event,
      GITHUB_REF: 'refs/pull/7/merge',
      GITHUB_SHA: '9'.repeat(40)
    };
  }
  const PUSH = { GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/main', GITHUB_SHA: MERGE };
  const prPlan = (timeout: number) =>
    shopPlan({ backend: IMAGE_A, frontend: FRONT_A }, [lb(timeout)]);
  const deployPlan = (timeout: number) =>
    shopPlan({ backend: IMAGE_B, frontend: FRONT_B }, [lb(timeout)]);

  it('posts one comment on the pull request and updates it on the next push', async () => {
    const ws = workspace();
    const first = await run(
      ws,
      prPlan(60),
      { 'pr-comment': 'true' },
      pullRequestEnv(ws, 'd'.repeat(40))
    );
    expect(first.run.errors).toEqual([]);
    expect(gh.comments).toHaveLength(1);
    expect(first.run.outputs['comment-url']).toBe(gh.comments[0]?.html_url);
    expect(first.run.masked).toContain(TOKEN);
    expect(first.run.stdout.replace(/^::add-mask::.*$/gm, '')).not.toContain(TOKEN);

    const second = await run(ws, prPlan(120), { 'pr-comment': 'true' }, pullRequestEnv(ws));
    expect(second.run.errors).toEqual([]);
    expect(gh.comments).toHaveLength(1);
    const body = gh.comments[0]?.body ?? '';
    expect(body.startsWith('<!-- terraform-plan-comment root=infra -->')).toBe(true);
    expect(body).toContain('**Plan: 0 to add, 1 to change, 0 to destroy.**');
    expect(body).toContain('✅ Destroy guard: passes');
    expect(body).toContain(`Planned for \`${HEAD.slice(0, 12)}\` into \`main\``);
    expect(body).toContain(`Fingerprint \`${second.run.outputs.fingerprint?.slice(0, 16)}\``);
    const writes = gh.requests.filter((r) => r.method !== 'GET');
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /repos/octo-org/ecommerce_docker_deployment/issues/7/comments',
      `PATCH /repos/octo-org/ecommerce_docker_deployment/issues/comments/${gh.comments[0]?.id}`
    ]);
    expect(writes.every((r) => r.authorization === `token ${TOKEN}`)).toBe(true);
  });

  it('a plan that fails replaces the comment with a notice that holds no fingerprint', async () => {
    const ws = workspace();
    await run(ws, prPlan(120), { 'pr-comment': 'true' }, pullRequestEnv(ws));
    const failed = await run(
      ws,
      prPlan(120),
      { 'pr-comment': 'true' },
      pullRequestEnv(ws, '1'.repeat(40)),
      { plan: { exitCode: 1, stderrFixture: 's3-lock.stderr.txt' } }
    );
    expect(failed.run.exitCode).not.toBe(0);
    expect(failed.run.errors[0]).toContain('The Terraform state is locked');
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]?.body).toContain('❌ **The plan failed** for `111111111111`');
    expect(gh.comments[0]?.body).not.toContain('terraform-plan-fingerprint');
  });

  it('a plan the destroy guard refuses: the comment says so, and the job fails', async () => {
    const ws = workspace();
    const refused = await run(
      ws,
      shopPlan({ backend: IMAGE_A, frontend: FRONT_A }, [
        resource('module.rds.aws_db_instance.this', ['delete', 'create'], { engine: 'postgres' })
      ]),
      { 'pr-comment': 'true' },
      pullRequestEnv(ws)
    );
    expect(refused.run.errors[0]).toContain('Refusing a plan that deletes protected resources');
    expect(gh.comments[0]?.body).toContain(
      '⛔ **Destroy guard: refused.** This plan deletes protected resources (aws_db_instance): `module.rds.aws_db_instance.this`'
    );
  });

  it('after the merge: the deploy plan with the new images matches the reviewed plan', async () => {
    const ws = workspace();
    await run(ws, prPlan(120), { 'pr-comment': 'true' }, pullRequestEnv(ws));
    merge();
    const deploy = await run(
      ws,
      deployPlan(120),
      { 'check-reviewed-plan': 'true', 'require-reviewed-plan': 'true' },
      PUSH
    );
    expect(deploy.run.errors).toEqual([]);
    expect(deploy.run.outputs['reviewed-plan']).toBe('matches');
    expect(deploy.run.summary).toContain(
      '✅ **Matches the plan reviewed on [#7](https://github.com/octo-org/ecommerce_docker_deployment/pull/7)**'
    );
    expect(gh.requests.some((r) => r.path.endsWith(`/commits/${MERGE}/pulls`))).toBe(true);
  });

  it('after the merge: a plan that differs is refused, naming the resource, in the log and the summary', async () => {
    const ws = workspace();
    await run(ws, prPlan(120), { 'pr-comment': 'true' }, pullRequestEnv(ws));
    merge();
    const deploy = await run(
      ws,
      deployPlan(60),
      { 'check-reviewed-plan': 'true', 'require-reviewed-plan': 'true' },
      PUSH
    );
    expect(deploy.run.exitCode).not.toBe(0);
    expect(deploy.run.errors[0]).toContain(
      'Refusing to apply: this plan differs from the one reviewed on #7'
    );
    expect(deploy.run.errors[0]).toContain('- aws_lb.this: update with other values than reviewed');
    expect(deploy.run.outputs['reviewed-plan']).toBe('refused');
    expect(deploy.run.summary).toContain('⛔ **Refused.** Refusing to apply: this plan differs');
  });

  it('a direct push: refused with require-reviewed-plan, a warning without', async () => {
    const ws = workspace();
    const strict = await run(
      ws,
      deployPlan(60),
      { 'check-reviewed-plan': 'true', 'require-reviewed-plan': 'true' },
      PUSH
    );
    expect(strict.run.errors[0]).toContain('Refusing to apply a plan nobody reviewed');
    const lenient = await run(ws, deployPlan(60), { 'check-reviewed-plan': 'true' }, PUSH);
    expect(lenient.run.errors).toEqual([]);
    expect(lenient.run.outputs['reviewed-plan']).toBe('unreviewed');
    expect(lenient.run.stdout).toMatch(/^::warning::commit eeeeeeeeeeee was not merged into main/m);
  });

  it('mode apply checks again before applying: a mismatch applies nothing', async () => {
    const ws = workspace();
    await run(ws, prPlan(120), { 'pr-comment': 'true' }, pullRequestEnv(ws));
    merge();
    const planned = await run(ws, deployPlan(60), {}, PUSH);
    expect(planned.run.errors).toEqual([]);
    const apply = await run(
      ws,
      deployPlan(60),
      { mode: 'apply', 'check-reviewed-plan': 'true', 'require-reviewed-plan': 'true' },
      PUSH
    );
    expect(apply.run.errors[0]).toContain('differs from the one reviewed on #7');
    expect(apply.tf.subcommands()).not.toContain('apply');
  });

  it('pr-comment with mode apply, or without a token: refused naming the input', async () => {
    const ws = workspace();
    const apply = await run(ws, deployPlan(60), { mode: 'apply', 'pr-comment': 'true' }, PUSH);
    expect(apply.run.errors[0]).toContain('Input "pr-comment" is for mode: plan');
    const noToken = await run(
      ws,
      deployPlan(60),
      { 'pr-comment': 'true', 'github-token': '' },
      pullRequestEnv(ws)
    );
    expect(noToken.run.errors[0]).toContain('Input "github-token" is empty');
    expect(noToken.tf.subcommands()).toEqual([]);
  });
});
