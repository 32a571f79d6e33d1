import { describe, expect, it } from '@jest/globals';
import {
  NoOperationTraceWriter,
  convertWorkflowTemplate,
  parseWorkflow
} from '@actions/workflow-parser';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../kit/action-bundle.js';
import { localAction, type Step, type Workflow } from './support/workflow-files.js';

// This repository's actions used the way another repository uses them: by
// `<owner>/ecommerce_docker_deployment/actions/<name>@v1`. The fixture is such a workflow; it
// passes actionlint and GitHub's parser, uses every action, and gives each only inputs it
// declares (all it requires) and reads only outputs it declares. The README snippets are held to
// the same inputs.

const ACTIONLINT = path.join(repoRoot, '.venv-tools/bin/actionlint');
const FIXTURE = 'tests/__tests__/fixtures/external-workflow.yml';
const REMOTE = /^[\w.-]+\/ecommerce_docker_deployment\/actions\/([\w-]+)@v1$/;

const text = readFileSync(path.join(repoRoot, FIXTURE), 'utf8');
const workflow = parse(text) as Workflow;
const actions = readdirSync(path.join(repoRoot, 'actions'))
  .filter((name) => existsSync(path.join(repoRoot, 'actions', name, 'action.yml')))
  .sort();

/** Problems with the inputs one step gives this repository's action. */
function inputProblems(step: Step): { unknown: string[]; missing: string[] } {
  const name = REMOTE.exec(step.uses ?? '')?.[1] ?? '';
  const action = localAction(`./actions/${name}`);
  const declared = action?.inputs ?? {};
  const given = Object.keys(step.with ?? {});
  return {
    unknown: given.filter((i) => !(i in declared)),
    missing: Object.entries(declared)
      .filter(([, spec]) => spec.required === true && spec.default === undefined)
      .map(([i]) => i)
      .filter((i) => !given.includes(i))
  };
}

describe('an external workflow using the actions by release tag', () => {
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps ?? []);
  const remote = steps.filter((s) => REMOTE.test(s.uses ?? ''));

  it('passes actionlint', () => {
    expect(existsSync(ACTIONLINT)).toBe(true);
    const result = spawnSync(ACTIONLINT, ['-no-color', FIXTURE], {
      cwd: repoRoot,
      encoding: 'utf8'
    });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it("passes GitHub's workflow parser", async () => {
    const parsed = parseWorkflow({ name: FIXTURE, content: text }, new NoOperationTraceWriter());
    expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    const template = await convertWorkflowTemplate(parsed.context, parsed.value!);
    expect((template.errors ?? []).map((e) => e.Message)).toEqual([]);
    const used = template.jobs.flatMap((job) =>
      'steps' in job ? job.steps.map((s) => ('uses' in s ? s.uses.value : '')) : []
    );
    expect(used.filter((u) => REMOTE.test(u))).toHaveLength(remote.length);
  });

  it('uses every action of the repository', () => {
    const used = new Set(remote.map((s) => REMOTE.exec(s.uses ?? '')?.[1]));
    expect(actions.filter((a) => !used.has(a))).toEqual([]);
  });

  it('gives each action only inputs it declares, and all it requires', () => {
    for (const step of remote)
      expect({ uses: step.uses, ...inputProblems(step) }).toEqual({
        uses: step.uses,
        unknown: [],
        missing: []
      });
  });

  it('reads only outputs the actions declare', () => {
    const byId = new Map(remote.filter((s) => s.id).map((s) => [s.id, s]));
    for (const [, id = '', output = ''] of text.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
      const step = byId.get(id);
      const name = REMOTE.exec(step?.uses ?? '')?.[1] ?? '';
      const declared = Object.keys(localAction(`./actions/${name}`)?.outputs ?? {});
      expect({ id, output, declared: declared.includes(output) }).toEqual({
        id,
        output,
        declared: true
      });
    }
  });
});

describe.each(actions)("actions/%s README's external example", (name) => {
  const file = path.join(repoRoot, 'actions', name, 'README.md');
  const readme = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((m) => m[1] ?? '')
    .filter((block) => block.includes('<owner>/ecommerce_docker_deployment/actions/'));

  it('is valid YAML whose steps give only declared inputs, and all required ones', () => {
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) {
      const steps = parse(block.replaceAll('<owner>/', 'octo-org/')) as Step[];
      for (const step of steps.filter((s) => REMOTE.test(s.uses ?? '')))
        expect({ uses: step.uses, ...inputProblems(step) }).toEqual({
          uses: step.uses,
          unknown: [],
          missing: []
        });
    }
  });
});
