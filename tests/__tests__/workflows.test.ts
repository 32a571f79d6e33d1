import { describe, expect, it } from '@jest/globals';
import {
  NoOperationTraceWriter,
  convertWorkflowTemplate,
  parseWorkflow
} from '@actions/workflow-parser';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../kit/action-bundle.js';
import { interpolate, runStep } from './support/run-step.js';
import {
  localAction,
  readWorkflow,
  terraformNames,
  workflowFiles,
  type Job
} from './support/workflow-files.js';

// Every workflow file, whoever wrote it: actionlint (with shellcheck on run: scripts) and
// GitHub's own parser. Then the deploy workflow's own promises, read from the file.

const ACTIONLINT = path.join(repoRoot, '.venv-tools/bin/actionlint');
const files = workflowFiles();

describe.each(files)('%s', (file) => {
  it('passes actionlint', () => {
    expect(existsSync(ACTIONLINT)).toBe(true);
    const result = spawnSync(ACTIONLINT, ['-no-color', path.join('.github/workflows', file)], {
      cwd: repoRoot,
      encoding: 'utf8'
    });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it("passes GitHub's workflow parser (@actions/workflow-parser)", async () => {
    const { text } = readWorkflow(file);
    const parsed = parseWorkflow({ name: file, content: text }, new NoOperationTraceWriter());
    expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    expect(parsed.value).toBeDefined();
    const template = await convertWorkflowTemplate(parsed.context, parsed.value!);
    expect((template.errors ?? []).map((e) => e.Message)).toEqual([]);
    expect(template.jobs.length).toBeGreaterThan(0);
  });

  it('gives every local action only inputs it declares, and all it requires', () => {
    const { workflow } = readWorkflow(file);
    for (const [jobId, job] of Object.entries(workflow.jobs)) {
      for (const step of job.steps ?? []) {
        if (!step.uses?.startsWith('./')) continue;
        const action = localAction(step.uses);
        expect({ job: jobId, uses: step.uses, exists: action !== undefined }).toEqual({
          job: jobId,
          uses: step.uses,
          exists: true
        });
        const declared = Object.keys(action?.inputs ?? {});
        const given = Object.keys(step.with ?? {});
        expect({ step: step.name, unknown: given.filter((i) => !declared.includes(i)) }).toEqual({
          step: step.name,
          unknown: []
        });
        const required = Object.entries(action?.inputs ?? {})
          .filter(([, spec]) => spec.required === true && spec.default === undefined)
          .map(([name]) => name);
        expect({ step: step.name, missing: required.filter((i) => !given.includes(i)) }).toEqual({
          step: step.name,
          missing: []
        });
      }
    }
  });
});

describe('deploy.yml', () => {
  const { text, workflow } = readWorkflow('deploy.yml');
  const jobs = workflow.jobs;
  const usesOf = (job: Job): string[] => (job.steps ?? []).map((s) => s.uses ?? '');

  it('runs on push to main and by hand, with image-tag and plan-only inputs', () => {
    const on = workflow.on as {
      push: { branches: string[] };
      workflow_dispatch: { inputs: Record<string, { type: string }> };
    };
    expect(on.push.branches).toEqual(['main']);
    expect(on.workflow_dispatch.inputs['image-tag']?.type).toBe('string');
    expect(on.workflow_dispatch.inputs['plan-only']?.type).toBe('boolean');
  });

  it('runs gate and test → images → plan → deploy (apply, rollout) → summary', () => {
    expect(Object.keys(jobs)).toEqual(['gate', 'test', 'images', 'plan', 'deploy', 'summary']);
    expect(jobs.images?.needs).toEqual(['gate', 'test']);
    expect(jobs.plan?.needs).toEqual(['gate', 'images']);
    expect(jobs.deploy?.needs).toEqual(['gate', 'images', 'plan']);
    expect(jobs.summary?.if).toContain('always()');
  });

  it('checks the production environment’s branch policy before anything reaches AWS', () => {
    const gate = jobs.gate!;
    expect(gate.environment).toBeUndefined(); // a missing environment is reported, not created
    expect(gate.permissions).toEqual({ actions: 'read' });
    const step = (gate.steps ?? []).find((s) => s.uses === './actions/production-gate');
    expect(step?.with).toMatchObject({
      environment: 'production',
      'allow-unprotected': '${{ vars.ALLOW_UNPROTECTED_PRODUCTION }}'
    });
  });

  it('assumes one role per job: the read-only plan role to plan, apply and rollout roles only in production', () => {
    const rolesOf = (job: Job): string[] =>
      (job.steps ?? [])
        .filter((s) => s.uses === './actions/aws-credentials')
        .map((s) => String(s.with?.['role-to-assume']));
    expect(rolesOf(jobs.plan!)).toEqual(['${{ needs.gate.outputs.plan-role }}']);
    expect(rolesOf(jobs.deploy!)).toEqual([
      '${{ needs.gate.outputs.apply-role }}',
      '${{ needs.gate.outputs.rollout-role }}'
    ]);
    expect(jobs.deploy?.environment).toMatchObject({ name: 'production' });
    // Nothing else in any workflow names the deploy role variable directly.
    expect(text.match(/vars\.AWS_DEPLOY_ROLE_ARN/g)).toHaveLength(1);
    // The apply role's credentials are replaced before the rollout's code runs.
    const names = (jobs.deploy?.steps ?? []).map((s) => s.name ?? s.uses ?? '');
    const rolloutCredentials = names.indexOf('AWS credentials (rollout role)');
    expect(rolloutCredentials).toBeGreaterThan(
      names.indexOf('Terraform apply (exactly the saved plan)')
    );
    expect(rolloutCredentials).toBeLessThan(
      names.findIndex((n) => n.startsWith('Replace the app servers'))
    );
  });

  it('releases by instance refresh after the apply, to the version the apply made, then checks the shop; patches nothing in place', () => {
    const steps = jobs.deploy?.steps ?? [];
    const at = (uses: string) => steps.findIndex((s) => s.uses === uses);
    const refresh = steps[at('./actions/instance-refresh')];
    expect(at('./actions/instance-refresh')).toBeGreaterThan(at('./actions/terraform'));
    expect(at('./actions/rollout-check')).toBeGreaterThan(at('./actions/instance-refresh'));
    const outputs = "fromJSON(steps.apply.outputs.outputs || '{}')";
    expect(refresh?.with).toMatchObject({
      'auto-scaling-groups': `\${{ join(${outputs}.app_autoscaling_group_names, ',') }}`,
      'launch-template-id': `\${{ ${outputs}.launch_template_id }}`,
      'launch-template-version': `\${{ ${outputs}.launch_template_version }}`
    });
    // Checkpoints, ascending to 100, as the action requires.
    expect(String(refresh?.with?.['checkpoint-percentages'])).toMatch(/^(\d+,)*100$/);
    // The in-place redeploy is gone: no SSM document, no image parameters, no target moves.
    const check = steps[at('./actions/rollout-check')];
    for (const input of ['redeploy-document', 'image-parameters', 'target-group-arn'])
      expect([input, check?.with?.[input]]).toEqual([input, undefined]);
    expect(text).not.toMatch(
      /deploy_document_name|image_parameter_names|\/deploy\/(backend|frontend)_image/
    );
    // The summary reports the refresh, and a rollback in its first line.
    expect(jobs.deploy?.outputs?.['refresh-outcome']).toBe('${{ steps.refresh.outputs.result }}');
    const summary = String(jobs.summary?.steps?.[0]?.run);
    expect(summary).toContain('Instance refresh');
    expect(summary).toContain('rolled-back');
  });

  it('never applies two deploys at once, and never cancels one that is running', () => {
    expect(workflow.concurrency?.group).toBeTruthy();
    expect(workflow.concurrency?.['cancel-in-progress']).toBe(false);
  });

  it('grants nothing by default; id-token: write only to the jobs that get AWS credentials or attest images, attestations: write only to the latter', () => {
    expect(workflow.permissions).toEqual({});
    for (const [id, job] of Object.entries(jobs)) {
      expect({ id, hasPermissions: job.permissions !== undefined }).toEqual({
        id,
        hasPermissions: true
      });
      const perms = typeof job.permissions === 'object' ? job.permissions : {};
      const needsAws = usesOf(job).includes('./actions/aws-credentials');
      // A docker-image step whose attest input is set (an expression or 'true'): Sigstore signs
      // with the job's OIDC identity, and GitHub stores the attestation.
      const attests = (job.steps ?? []).some(
        (s) =>
          s.uses === './actions/docker-image' &&
          s.with?.attest !== undefined &&
          s.with.attest !== 'false' &&
          s.with.attest !== false
      );
      expect({ id, idToken: perms['id-token'] }).toEqual({
        id,
        idToken: needsAws || attests ? 'write' : undefined
      });
      for (const [scope, level] of Object.entries(perms)) {
        if (scope === 'id-token') continue;
        const expected = scope === 'attestations' && attests ? 'write' : 'read';
        expect({ id, scope, level }).toEqual({ id, scope, level: expected });
      }
    }
    // The attesting job gets those two and reads the code, nothing else.
    expect(jobs.images?.permissions).toEqual({
      contents: 'read',
      'id-token': 'write',
      attestations: 'write'
    });
  });

  it('attests both images, and the deploy job verifies them — exactly this file on the default branch — before the apply', () => {
    const builds = (jobs.images?.steps ?? []).filter((s) => s.uses === './actions/docker-image');
    expect(builds.map((s) => [s.with?.sbom, s.with?.provenance, s.with?.attest])).toEqual([
      ['true', 'true', "${{ vars.ATTEST_IMAGES != 'false' }}"],
      ['true', 'true', "${{ vars.ATTEST_IMAGES != 'false' }}"]
    ]);
    const steps = jobs.deploy?.steps ?? [];
    const verify = steps.findIndex((s) => s.run?.includes('gh attestation verify'));
    const fetch = steps.findIndex((s) => s.uses?.startsWith('actions/download-artifact@'));
    const apply = steps.findIndex((s) => s.id === 'apply');
    expect(verify).toBeGreaterThan(0);
    expect(verify).toBeLessThan(fetch);
    expect(fetch).toBeLessThan(apply);
    expect(steps[verify]?.if).toBe("vars.ATTEST_IMAGES != 'false'");
    expect(steps[verify]?.run).toContain('--cert-identity "$SIGNER"');
    expect(steps[verify]?.env?.SIGNER).toBe(
      "${{ github.server_url }}/${{ github.repository }}/.github/workflows/deploy.yml@refs/heads/${{ github.event.repository.default_branch || 'main' }}"
    );
    expect(jobs.deploy?.permissions).toMatchObject({ attestations: 'read' });
  });

  it('holds the plan and the apply to the reviewed plan unless apply-unreviewed, which leaves the production environment in place', () => {
    const on = workflow.on as {
      workflow_dispatch: { inputs: Record<string, { type: string; default: unknown }> };
    };
    expect(on.workflow_dispatch.inputs['apply-unreviewed']).toMatchObject({
      type: 'boolean',
      default: false
    });
    const plan = (jobs.plan?.steps ?? []).find((s) => s.id === 'plan');
    const apply = (jobs.deploy?.steps ?? []).find((s) => s.id === 'apply');
    expect(plan?.with?.['check-reviewed-plan']).toBe(
      '${{ !inputs.plan-only && !inputs.apply-unreviewed }}'
    );
    expect(apply?.with?.['check-reviewed-plan']).toBe('${{ !inputs.apply-unreviewed }}');
    for (const step of [plan, apply]) {
      expect(step?.with?.['require-reviewed-plan']).toBe(
        "${{ vars.REQUIRE_REVIEWED_PLAN == 'true' }}"
      );
      expect(step?.with?.['unreviewed-variables']).toBe('backend_image\nfrontend_image\n');
    }
    // apply-unreviewed reaches nothing else: not the environment, not a job's condition.
    expect(jobs.deploy?.environment).toMatchObject({ name: 'production' });
    const mentions = text
      .split('\n')
      .filter((l) => l.includes('inputs.apply-unreviewed'))
      .map((l) => l.trim());
    expect(mentions).toEqual([
      'if: inputs.apply-unreviewed',
      'check-reviewed-plan: ${{ !inputs.plan-only && !inputs.apply-unreviewed }}',
      'check-reviewed-plan: ${{ !inputs.apply-unreviewed }}',
      'APPLY_UNREVIEWED: ${{ inputs.apply-unreviewed }}'
    ]);
  });

  it('pins every third-party action to a full commit SHA with its version in a comment', () => {
    const uses = [...text.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/gm)];
    expect(uses.length).toBeGreaterThan(5);
    for (const [, ref, rest] of uses) {
      if (ref?.startsWith('./')) continue;
      expect({ ref, pinned: /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(ref ?? '') }).toEqual({
        ref,
        pinned: true
      });
      expect({ ref, comment: /#\s*v\d+(\.\d+){0,2}\b/.test(rest ?? '') }).toEqual({
        ref,
        comment: true
      });
    }
  });

  it('builds both images with the docker-image action from Dockerfiles that exist', () => {
    const builds = (jobs.images?.steps ?? []).filter((s) => s.uses === './actions/docker-image');
    expect(builds.map((s) => s.with?.dockerfile)).toEqual([
      'docker/Dockerfile.backend',
      'docker/Dockerfile.frontend'
    ]);
    for (const s of builds)
      expect(existsSync(path.join(repoRoot, String(s.with?.dockerfile)))).toBe(true);
    expect(jobs.images?.outputs?.['backend-image']).toContain('steps.backend.outputs.image');
  });

  it('plans with the images pinned by digest into variables the Terraform root declares', () => {
    const plan = (jobs.plan?.steps ?? []).find((s) => s.uses === './actions/terraform');
    expect(plan?.with?.mode).toBe('plan');
    const variableLines = typeof plan?.with?.variables === 'string' ? plan.with.variables : '';
    // A line is KEY=value, or an expression that yields one only when a variable is set.
    const variables = variableLines
      .split('\n')
      .filter(Boolean)
      .map((line) => /format\('(\w+)=/.exec(line)?.[1] ?? line.split('=')[0]?.trim() ?? '');
    expect(variables).toEqual(
      expect.arrayContaining(['backend_image', 'frontend_image', 'dockerhub_username'])
    );
    expect(variableLines).toContain('needs.images.outputs.backend-image');
    const declared = terraformNames('terraform/variables.tf', 'variable');
    if (declared)
      for (const v of variables)
        expect({ v, declared: declared.includes(v) }).toEqual({ v, declared: true });
  });

  it('carries the saved plan to the deploy job as an artifact and applies exactly it, in production', () => {
    expect(usesOf(jobs.plan!).some((u) => u.startsWith('actions/upload-artifact@'))).toBe(true);
    const apply = jobs.deploy!;
    expect(usesOf(apply).some((u) => u.startsWith('actions/download-artifact@'))).toBe(true);
    expect(apply.environment).toMatchObject({ name: 'production' });
    const step = (apply.steps ?? []).find((s) => s.uses === './actions/terraform');
    expect(step?.with?.mode).toBe('apply');
    expect(step?.with?.variables).toBeUndefined();
    expect(apply.if).toContain('plan-only');
  });

  it('reads only Terraform outputs the root declares', () => {
    const declared = terraformNames('terraform/outputs.tf', 'output');
    const used = [...text.matchAll(/fromJSON\(steps\.apply\.outputs\.outputs[^)]*\)\.(\w+)/g)].map(
      (m) => m[1] as string
    );
    expect(used).toEqual(
      expect.arrayContaining([
        'shop_url',
        'app_autoscaling_group_names',
        'launch_template_id',
        'launch_template_version'
      ])
    );
    if (declared)
      for (const name of used)
        expect({ name, declared: declared.includes(name) }).toEqual({ name, declared: true });
  });

  it('explains itself: a comment block at the top and a comment before every job', () => {
    expect(
      text
        .split('\n')
        .slice(0, 20)
        .every((l) => l.startsWith('#'))
    ).toBe(true);
    const lines = text.split('\n');
    for (const id of Object.keys(jobs)) {
      const at = lines.findIndex((l) => l === `  ${id}:`);
      expect(at).toBeGreaterThan(0);
      expect({ id, comment: lines[at - 1]?.trimStart().startsWith('#') }).toEqual({
        id,
        comment: true
      });
    }
  });
});

describe('fraud-scan.yml', () => {
  const { workflow, text } = readWorkflow('fraud-scan.yml');

  // A cached model the CLI refuses (another file format or profile version) would fail every
  // night until the Sunday training; a key that names them restores none and trains instead.
  it('keys the cached model on the model file format and every profile version the code has now', () => {
    const source = (file: string) =>
      readFileSync(path.join(repoRoot, 'actions/fraud-scan/src', file), 'utf8');
    const format = /MODEL_FORMAT_VERSION = (\d+);/.exec(source('model/model-file.ts'))?.[1];
    const version = (file: string) => /^\s+version: (\d+),/m.exec(source(file))?.[1];
    const prefix = `fraud-model-f${format}-transactions${version('features/transactions.ts')}-stripemodel${version('features/stripemodel.ts')}-`;
    expect(prefix).toMatch(/^fraud-model-f\d+-transactions\d+-stripemodel\d+-$/);
    const keys = [...text.matchAll(/(?:key|restore-keys): (fraud-model-[^$\s]*)/g)].map(
      (m) => m[1]
    );
    expect(keys.length).toBe(3);
    for (const key of keys) expect(key).toBe(prefix);
  });

  it('trains a new model once a week on schedule, sooner than FraudModelStale fires (8 days)', () => {
    const on = workflow.on as { schedule: { cron: string }[] };
    const crons = on.schedule.map((s) => s.cron);
    // Every day of the week is scheduled exactly once, and one of the days trains.
    expect(crons).toEqual(['17 3 * * 1-6', '17 3 * * 0']);
    const scan = (workflow.jobs.scan?.steps ?? []).find((s) => s.uses === './actions/fraud-scan');
    expect(scan?.with?.train).toBe(
      "${{ inputs.retrain || github.event.schedule == '17 3 * * 0' }}"
    );
    // A week between trainings must stay inside the alert's limit.
    const rules = readFileSync(
      path.join(repoRoot, 'monitoring/prometheus/rules/fraud.yml'),
      'utf8'
    );
    const days = /fraud_model_trained_timestamp_seconds > (\d+) \* 86400/.exec(rules)?.[1];
    expect(Number(days)).toBeGreaterThan(7);
  });

  it('grants nothing by default; only the publishing jobs and the training download, on GitHub-hosted runners, may request an OIDC token', () => {
    expect(workflow.permissions).toEqual({});
    const withToken = Object.entries(workflow.jobs)
      .filter(
        ([, job]) => typeof job.permissions === 'object' && job.permissions['id-token'] === 'write'
      )
      .map(([id]) => id);
    expect(withToken).toEqual(['training-upload', 'publish-metrics', 'publish-model']);
    for (const id of withToken) expect(workflow.jobs[id]?.['runs-on']).toBe('ubuntu-24.04');
    expect(workflow.jobs.scan?.permissions).toEqual({ contents: 'read', issues: 'write' });
  });

  it('publishes the model of a successful transactions scan, with its own role, to the key Terraform lets that role put', () => {
    const job = workflow.jobs['publish-model'];
    expect(job?.needs).toBe('scan');
    expect(job?.if).toBe(
      "needs.scan.result == 'success' && (inputs.profile || 'transactions') == 'transactions'"
    );
    expect(job?.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    const steps = job?.steps ?? [];
    const credentials = steps.find((s) => s.uses === './actions/aws-credentials');
    expect(credentials?.with?.['role-to-assume']).toBe('${{ vars.FRAUD_MODEL_ROLE_ARN }}');
    const publish = steps.find((s) => s.name === 'Publish the model');
    expect(publish?.env?.KEY).toBe('fraud-model/transactions/model.json');
    const monitoring = readFileSync(
      path.join(repoRoot, 'terraform/modules/monitoring/main.tf'),
      'utf8'
    );
    expect(monitoring).toMatch(/fraud_model_key = "fraud-model\/transactions\/model.json"/);
    const handOver = (workflow.jobs.scan?.steps ?? []).find(
      (s) => s.name === 'Hand the model to the publishing job'
    );
    expect(handOver?.if).toContain("steps.scan.outcome == 'success'");
    expect(handOver?.if).toContain("env.PROFILE == 'transactions'");
  });
});

describe('fraud-scan.yml: retraining on a CSV uploaded in the shop (input training-upload)', () => {
  const { workflow } = readWorkflow('fraud-scan.yml');
  const job = workflow.jobs['training-upload'];
  const steps = job?.steps ?? [];
  const check = steps.find((s) => s.name === 'Check the training-upload input');
  const GOOD = '0123456789abcdef0123456789abcdef';
  /** The check step under bash, its env filled in as GitHub would for these inputs and vars. */
  function checkWith(
    inputs: Record<string, unknown>,
    vars: Record<string, string> = {},
    repository: { private: boolean } = { private: true }
  ) {
    const context = {
      github: { event: { repository } },
      inputs: { retrain: true, profile: 'transactions', ...inputs },
      vars: {
        FRAUD_TRAINING_ROLE_ARN:
          'arn:aws:iam::123456789012:role/ecommerce-monitoring-fraud-training',
        FRAUD_TRAINING_BUCKET: 'ecommerce-monitoring-config-1',
        ...vars
      }
    };
    const env = Object.fromEntries(
      Object.entries(check?.env ?? {}).map(([k, v]) => [k, interpolate(v, context)])
    );
    return runStep(check, env, mkdtempSync(path.join(tmpdir(), 'training-upload-')));
  }

  it('declares the input as a string, empty by default, and leaves the schedule as it was', () => {
    const on = workflow.on as {
      schedule: { cron: string }[];
      workflow_dispatch: { inputs: Record<string, { type: string; default: unknown }> };
    };
    expect(on.workflow_dispatch.inputs['training-upload']).toMatchObject({
      type: 'string',
      default: ''
    });
    expect(on.schedule.map((s) => s.cron)).toEqual(['17 3 * * 1-6', '17 3 * * 0']);
    expect(job?.if).toBe("inputs.training-upload != ''");
  });

  it('never interpolates an input into a run: script (every input reaches scripts through env)', () => {
    for (const [id, each] of Object.entries(workflow.jobs))
      for (const step of each.steps ?? [])
        expect({ id, step: step.name, run: /\$\{\{[^}]*inputs\./.test(step.run ?? '') }).toEqual({
          id,
          step: step.name,
          run: false
        });
    expect(check?.env?.UPLOAD_ID).toBe('${{ inputs.training-upload }}');
  });

  it('accepts exactly 32 lowercase hex digits with retrain on and the transactions profile', () => {
    const run = checkWith({ 'training-upload': GOOD });
    expect(run.stdout + run.stderr).not.toContain('::error');
    expect(run.status).toBe(0);
  });

  it.each([
    ['a path traversal', '../../../etc/passwd'],
    ['a traversal padded to 32 characters', '../../../../../../../../../../x.c'],
    ['an expression', '${{ secrets.FRAUD_SCAN_DATABASE_URL }}'],
    ['a workflow command', '::add-mask::x'],
    ['a command substitution', '$(curl evil.example)'],
    ['upper-case hex', GOOD.toUpperCase()],
    ['31 digits', GOOD.slice(1)],
    ['33 digits', `${GOOD}0`],
    ['a trailing newline', `${GOOD}\n`],
    ['a second line', `${GOOD}\n${GOOD}`],
    ['a key with a suffix', `${GOOD}.csv`],
    ['non-ASCII digits', `${GOOD.slice(1)}٣`]
  ])('refuses %s with an ::error:: naming the input, never echoing it', (_what, value) => {
    const run = checkWith({ 'training-upload': value });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      /^::error title=Bad training-upload::The input training-upload must be exactly 32 lowercase hex digits/m
    );
    expect(run.stdout).not.toContain(value.trim());
  });

  it('refuses in a public repository, where the artifact carrying the file would be public too', () => {
    const run = checkWith({ 'training-upload': GOOD }, {}, { private: false });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      /^::error title=Training upload refused::This repository is public/m
    );
  });

  it('refuses a valid id without retrain or for another profile, and says when the variables are missing', () => {
    for (const inputs of [{ retrain: false }, { profile: 'stripemodel' }]) {
      const run = checkWith({ 'training-upload': GOOD, ...inputs });
      expect([
        inputs,
        run.status,
        /::error title=Bad training-upload::.*retrain true and profile transactions/.test(
          run.stdout
        )
      ]).toEqual([inputs, 1, true]);
    }
    const unset = checkWith({ 'training-upload': GOOD }, { FRAUD_TRAINING_ROLE_ARN: '' });
    expect(unset.status).toBe(1);
    expect(unset.stdout).toContain('FRAUD_TRAINING_ROLE_ARN and FRAUD_TRAINING_BUCKET');
  });

  it('checks before anything else, then assumes its own role and fetches the one key under the prefix Terraform lets that role read', () => {
    expect(steps[0]).toBe(check);
    expect(job?.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    expect(job?.['runs-on']).toBe('ubuntu-24.04');
    const credentials = steps.find((s) => s.uses === './actions/aws-credentials');
    expect(credentials?.with?.['role-to-assume']).toBe('${{ vars.FRAUD_TRAINING_ROLE_ARN }}');
    const fetch = steps.find((s) => s.name === 'Fetch the training file');
    expect(fetch?.env).toMatchObject({
      UPLOAD_ID: '${{ inputs.training-upload }}',
      BUCKET: '${{ vars.FRAUD_TRAINING_BUCKET }}'
    });
    expect(fetch?.run).toContain('--key "fraud-training/uploads/$UPLOAD_ID.csv"');
    const monitoring = readFileSync(
      path.join(repoRoot, 'terraform/modules/monitoring/main.tf'),
      'utf8'
    );
    expect(monitoring).toMatch(/fraud_training_prefix = "fraud-training\/uploads\/"/);
    const handOver = steps.find((s) => s.name === 'Hand the training file to the scan job');
    expect(handOver?.with).toMatchObject({
      name: 'fraud-training-${{ github.run_id }}',
      'retention-days': 1
    });
  });

  it('has the scan job (no OIDC token) train on the handed-over file, and still run when there is none', () => {
    const scan = workflow.jobs.scan;
    expect(scan?.needs).toBe('training-upload');
    expect(scan?.if).toBe(
      "${{ !cancelled() && (needs.training-upload.result == 'success' || needs.training-upload.result == 'skipped') }}"
    );
    expect(scan?.permissions).toEqual({ contents: 'read', issues: 'write' });
    const fetch = (scan?.steps ?? []).find((s) => s.name === 'Fetch the uploaded training file');
    expect(fetch?.with?.name).toBe('fraud-training-${{ github.run_id }}');
    const action = (scan?.steps ?? []).find((s) => s.uses === './actions/fraud-scan');
    expect(action?.with?.['training-source']).toBe(
      "${{ needs.training-upload.result == 'success' && 'fraud-training/training.csv' || '' }}"
    );
  });
});
