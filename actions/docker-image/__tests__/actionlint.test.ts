import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { repoRoot } from '../../../tests/kit/action-bundle.js';

const actionlint = process.env.ACTIONLINT ?? path.join(repoRoot, '.venv-tools/bin/actionlint');
const actionDir = path.join(repoRoot, 'actions/docker-image');

interface CompositeAction {
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: Record<string, unknown>[] };
}
const action = parse(readFileSync(path.join(actionDir, 'action.yml'), 'utf8')) as CompositeAction;

function lint(file: string, cwd: string): { status: number | null; output: string } {
  const result = spawnSync(actionlint, ['-no-color', file], { cwd, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

describe('actions/docker-image/action.yml', () => {
  test('actionlint is installed (bash scripts/test installs it into .venv-tools)', () => {
    expect(existsSync(actionlint)).toBe(true);
  });

  test('is a composite action whose inputs and outputs are all described', () => {
    expect(action.runs.using).toBe('composite');
    for (const [name, input] of Object.entries(action.inputs)) {
      expect([name, input.description?.length > 10]).toEqual([name, true]);
    }
    for (const [name, output] of Object.entries(action.outputs)) {
      expect([name, output.description?.length > 10]).toEqual([name, true]);
    }
  });

  test('every third-party action is pinned to a full commit SHA with its version in a comment', () => {
    const text = readFileSync(path.join(actionDir, 'action.yml'), 'utf8');
    const uses = [...text.matchAll(/uses: (\S+)(.*)$/gm)];
    expect(uses.length).toBeGreaterThan(0);
    for (const [, ref, rest] of uses) {
      expect(ref).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
      expect(rest).toMatch(/^ # v\d+\.\d+\.\d+$/);
    }
  });

  test('the typed steps run the committed bundle and feed it every input by its INPUT_ name', () => {
    const planStep = action.runs.steps.find((s) => s.id === 'plan') as {
      run: string;
      env: Record<string, string>;
    };
    expect(planStep.run).toBe('node "${{ github.action_path }}/dist/index.js"');
    expect(existsSync(path.join(actionDir, 'dist/index.js'))).toBe(true);
    const passed = Object.keys(planStep.env);
    const expected = Object.keys(action.inputs)
      // build-args and target go to build-push-action untouched; the password never goes here.
      .filter((name) => !['password', 'build-args', 'target'].includes(name))
      .map((name) => `INPUT_${name.toUpperCase()}`);
    expect(passed.filter((k) => k.startsWith('INPUT_')).sort()).toEqual(expected.sort());
    expect(JSON.stringify(planStep.env)).not.toContain('inputs.password }}');
  });

  test('its steps pass actionlint, written out as a reusable workflow with the same inputs', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'actionlint-docker-image-'));
    try {
      mkdirSync(path.join(dir, '.github/workflows'), { recursive: true });
      const inputs = Object.fromEntries(
        Object.entries(action.inputs).map(([name, input]) => [
          name,
          input.required
            ? { description: input.description, required: true, type: 'string' }
            : {
                description: input.description,
                required: false,
                type: 'string',
                default: input.default ?? ''
              }
        ])
      );
      const workflow = {
        name: 'docker-image steps',
        on: { workflow_call: { inputs } },
        jobs: { build: { 'runs-on': 'ubuntu-24.04', steps: action.runs.steps } }
      };
      const file = path.join(dir, '.github/workflows/docker-image-steps.yml');
      writeFileSync(file, stringify(workflow, { lineWidth: 0 }));
      spawnSync('git', ['init', '-q'], { cwd: dir });
      expect(lint(file, dir)).toEqual({ status: 0, output: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a workflow using it (__tests__/workflows/usage.yml) passes actionlint, inputs checked against action.yml', () => {
    const file = path.join(actionDir, '__tests__/workflows/usage.yml');
    expect(lint(path.relative(repoRoot, file), repoRoot)).toEqual({ status: 0, output: '' });
  });

  test('actionlint does catch a wrong input name (the check is not vacuous)', () => {
    const dir = mkdtempSync(path.join(repoRoot, 'actions/docker-image/__tests__/.lint-'));
    try {
      const file = path.join(dir, 'bad.yml');
      const usage = readFileSync(path.join(actionDir, '__tests__/workflows/usage.yml'), 'utf8');
      writeFileSync(file, usage.replace('dockerfile: ${{ matrix.dockerfile }}', 'docker-file: x'));
      const result = lint(path.relative(repoRoot, file), repoRoot);
      expect(result.status).not.toBe(0);
      expect(result.output).toContain('docker-file');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
