import { describe, expect, it } from '@jest/globals';
import {
  NoOperationTraceWriter,
  convertWorkflowTemplate,
  parseWorkflow
} from '@actions/workflow-parser';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../kit/action-bundle.js';
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

  it('runs test → images → plan → apply → rollout → summary', () => {
    expect(Object.keys(jobs)).toEqual(['test', 'images', 'plan', 'apply', 'rollout', 'summary']);
    expect(jobs.images?.needs).toBe('test');
    expect(jobs.plan?.needs).toBe('images');
    expect(jobs.apply?.needs).toEqual(['images', 'plan']);
    expect(jobs.rollout?.needs).toBe('apply');
    expect(jobs.summary?.if).toContain('always()');
  });

  it('never applies two deploys at once, and never cancels one that is running', () => {
    expect(workflow.concurrency?.group).toBeTruthy();
    expect(workflow.concurrency?.['cancel-in-progress']).toBe(false);
  });

  it('grants nothing by default; id-token: write only to the jobs that get AWS credentials', () => {
    expect(workflow.permissions).toEqual({});
    for (const [id, job] of Object.entries(jobs)) {
      expect({ id, hasPermissions: job.permissions !== undefined }).toEqual({
        id,
        hasPermissions: true
      });
      const perms = typeof job.permissions === 'object' ? job.permissions : {};
      const needsAws = usesOf(job).includes('./actions/aws-credentials');
      expect({ id, idToken: perms['id-token'] }).toEqual({
        id,
        idToken: needsAws ? 'write' : undefined
      });
      for (const [scope, level] of Object.entries(perms)) {
        if (scope !== 'id-token')
          expect({ id, scope, level }).toEqual({ id, scope, level: 'read' });
      }
    }
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
    const variables = variableLines
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split('=')[0]?.trim() ?? '');
    expect(variables).toEqual(
      expect.arrayContaining(['backend_image', 'frontend_image', 'dockerhub_username'])
    );
    expect(variableLines).toContain('needs.images.outputs.backend-image');
    const declared = terraformNames('terraform/variables.tf', 'variable');
    if (declared)
      for (const v of variables)
        expect({ v, declared: declared.includes(v) }).toEqual({ v, declared: true });
  });

  it('carries the saved plan to apply as an artifact and applies exactly it, in production', () => {
    expect(usesOf(jobs.plan!).some((u) => u.startsWith('actions/upload-artifact@'))).toBe(true);
    const apply = jobs.apply!;
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
      expect.arrayContaining(['shop_url', 'deploy_document_name', 'target_group_arn'])
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
