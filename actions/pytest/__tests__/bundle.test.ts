import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BundleRun, runBundle } from '../../../tests/kit/action-bundle.js';

/**
 * Both actions run from their committed bundles, the way the runner runs them: python-venv
 * builds a real venv with pytest from PyPI, then the pytest action runs a deliberately failing
 * fixture project (one test passes, one fails, one is skipped, one errors in its fixture).
 */
const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/failing-project');
const PIP_CACHE_DIR = path.join(tmpdir(), 'python-actions-pip-cache');
// The runner gives actions its tool cache (where actions/setup-python installs Pythons); so do we.
const RUNNER_ENV: Record<string, string> = process.env.RUNNER_TOOL_CACHE
  ? { RUNNER_TOOL_CACHE: process.env.RUNNER_TOOL_CACHE }
  : {};
const TIMEOUT_MS = 300_000;

let workspace: string;
let venv: string;

beforeAll(async () => {
  workspace = mkdtempSync(path.join(tmpdir(), 'pytest-action-'));
  cpSync(FIXTURE, path.join(workspace, 'shop'), { recursive: true });
  const build = await runBundle('python-venv', {
    cwd: workspace,
    inputs: {
      'working-directory': 'shop',
      requirements: 'requirements.txt',
      cache: 'false',
      'upgrade-pip': 'false'
    },
    env: { ...RUNNER_ENV, PIP_CACHE_DIR },
    timeoutMs: TIMEOUT_MS
  });
  if (build.exitCode !== 0)
    throw new Error(`python-venv failed: ${build.errors.join('\n')}\n${build.stdout}`);
  venv = build.outputs['venv-path'] ?? '';
}, TIMEOUT_MS);
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

const pytest = (
  inputs: Record<string, string>,
  env: Record<string, string> = {}
): Promise<BundleRun> =>
  runBundle('pytest', { cwd: workspace, inputs, env, timeoutMs: TIMEOUT_MS });

/** `::error file=…,line=…::` annotations as the runner would read them. */
function annotations(
  stdout: string
): { file?: string; line?: string; title?: string; message: string }[] {
  return [...stdout.matchAll(/^::error (?<props>[^:]*)::(?<message>.*)$/gm)].map((m) => {
    const props = Object.fromEntries(
      (m.groups?.props ?? '').split(',').map((p) => {
        const eq = p.indexOf('=');
        return [p.slice(0, eq), decodeURIComponent(p.slice(eq + 1))];
      })
    ) as Record<string, string>;
    return { ...props, message: (m.groups?.message ?? '').replace(/%0A/g, '\n') };
  });
}

describe('pytest, run from its bundle on a deliberately failing project', () => {
  it(
    'counts 1 passed, 1 failed, 1 skipped, 1 error, annotates the failing lines, writes the summary and fails the step',
    async () => {
      const result = await pytest({
        'working-directory': 'shop',
        'junit-path': 'reports/junit.xml'
      });
      const junit = path.join(workspace, 'shop/reports/junit.xml');
      expect(result.outputs).toEqual({
        passed: '1',
        failed: '1',
        skipped: '1',
        errors: '1',
        total: '4',
        duration: expect.stringMatching(/^\d+\.\d{3}$/),
        'junit-path': junit
      });
      expect(readFileSync(junit, 'utf8')).toContain('<testsuites');

      expect(annotations(result.stdout)).toEqual([
        {
          title: 'tests/test_mixed.py::test_discount_is_applied failed',
          file: 'shop/tests/test_mixed.py',
          line: '17',
          message: 'AssertionError: a 15 off discount should leave 80\nassert (100 - 15) == 80'
        },
        {
          title: 'tests/test_mixed.py::test_refund_goes_through errored',
          file: 'shop/tests/test_mixed.py',
          line: '8',
          message: 'failed on setup with "ConnectionError: payment gateway unreachable"'
        }
      ]);

      expect(result.exitCode).toBe(1);
      expect(result.errors.at(-1)).toBe(
        '2 of 4 tests did not pass (1 failed, 1 error, 1 passed, 1 skipped); see the annotations and the job summary.'
      );

      expect(result.summary).toContain('### ❌ pytest: 1 failed, 1 error, 1 passed, 1 skipped in');
      expect(result.summary).toMatch(/\| 1 \| 1 \| 1 \| 1 \| 4 \| \d+ ms \|/);
      expect(result.summary).toContain(
        '**`tests/test_mixed.py::test_discount_is_applied`** failed at `shop/tests/test_mixed.py:17`'
      );
      expect(result.summary).toContain('> AssertionError: a 15 off discount should leave 80');
      expect(result.summary).toContain(
        '**`tests/test_mixed.py::test_refund_goes_through`** error at `shop/tests/test_mixed.py:8`'
      );
      expect(result.summary).toContain('#### Slowest');
      expect(result.summary).toContain(`JUnit report: \`${junit}\``);
    },
    TIMEOUT_MS
  );

  it(
    'with fail-on-error false and annotate false, passes with a warning and the same counts',
    async () => {
      const result = await pytest({
        'working-directory': 'shop',
        venv,
        'fail-on-error': 'false',
        annotate: 'false'
      });
      expect(result.exitCode).toBe(0);
      expect(result.errors).toEqual([]);
      expect(result.outputs).toMatchObject({
        passed: '1',
        failed: '1',
        skipped: '1',
        errors: '1',
        total: '4'
      });
      // The default report path: under RUNNER_TEMP, one folder per step.
      expect(result.outputs['junit-path']).toMatch(/\/pytest-report\/junit\.xml$/);
      expect(result.stdout).toContain(
        '::warning::2 of 4 tests did not pass (1 failed, 1 error, 1 passed, 1 skipped); see the annotations and the job summary. The step passes because fail-on-error is false.'
      );
    },
    TIMEOUT_MS
  );

  it(
    'passes when the selected tests pass, passing args through with their quotes',
    async () => {
      const result = await pytest({
        'working-directory': 'shop',
        args: `-k 'cart_total or charges_card'`
      });
      expect(result.exitCode).toBe(0);
      expect(result.errors).toEqual([]);
      expect(result.outputs).toMatchObject({
        passed: '1',
        failed: '0',
        skipped: '1',
        errors: '0',
        total: '2'
      });
      expect(result.summary).toContain('### ✅ pytest: 1 passed, 1 skipped in');
    },
    TIMEOUT_MS
  );

  it.each([
    [
      'no tests collected (exit code 5) gets its own message',
      `-k no_test_has_this_name`,
      /^pytest collected no tests in .*\/shop \(exit code 5\): check working-directory, the paths and -k\/-m filters in args/
    ],
    [
      'a usage error (exit code 4) gets its own message',
      '--no-such-option',
      /^pytest rejected its command line \(exit code 4, usage error\): check the args input/
    ]
  ])(
    '%s',
    async (_name, args, message) => {
      const result = await pytest({ 'working-directory': 'shop', args });
      expect(result.exitCode).toBe(1);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]).toMatch(message);
      expect(result.summary).toContain('### ❌ pytest:');
    },
    TIMEOUT_MS
  );

  it(
    'a module that does not import (exit code 2) is annotated at its line and explained',
    async () => {
      const broken = path.join(workspace, 'broken');
      mkdirSync(path.join(broken, 'tests'), { recursive: true });
      writeFileSync(
        path.join(broken, 'tests/test_orders.py'),
        '"""Orders."""\n\nimport shop_does_not_exist  # noqa: F401\n'
      );
      const result = await pytest({
        'working-directory': 'broken',
        venv,
        'fail-on-error': 'false'
      });
      expect(result.exitCode).toBe(1);
      expect(result.outputs).toMatchObject({ errors: '1', total: '1' });
      expect(annotations(result.stdout)[0]).toMatchObject({
        file: 'broken/tests/test_orders.py',
        line: '3'
      });
      expect(result.errors.at(-1)).toBe(
        'pytest stopped before running the tests (exit code 2): 1 error during collection (a test module that does not import, for instance); see the annotations and the log.'
      );
    },
    TIMEOUT_MS
  );

  describe('bad inputs fail with an error naming the input', () => {
    it.each([
      [
        'a missing working directory',
        { 'working-directory': 'nowhere' },
        'Input "working-directory": directory "nowhere" does not exist.'
      ],
      [
        'an invalid boolean for fail-on-error',
        { 'working-directory': 'shop', 'fail-on-error': 'maybe' },
        'Input "fail-on-error" must be true or false, got "maybe".'
      ],
      [
        'an invalid boolean for annotate',
        { 'working-directory': 'shop', annotate: 'on' },
        'Input "annotate" must be true or false, got "on".'
      ],
      [
        '--junitxml in args',
        { 'working-directory': 'shop', args: '-q --junitxml=out.xml' },
        'Input "args" must not set --junitxml: the action writes the report itself; use the "junit-path" input to choose where.'
      ],
      [
        'an unterminated quote in args',
        { 'working-directory': 'shop', args: `-k "cart` },
        'Input "args" has an unterminated " quote.'
      ],
      [
        'a django-settings that is not a module',
        { 'working-directory': 'shop', 'django-settings': 'shop/settings.py' },
        'Input "django-settings" must be a dotted Python module such as shop.settings, got "shop/settings.py".'
      ]
    ])('%s', async (_name, inputs, message) => {
      const result = await pytest(inputs);
      expect(result.exitCode).toBe(1);
      expect(result.errors).toEqual([message]);
      expect(result.outputs).toEqual({});
    });

    it('a venv that does not exist', async () => {
      const result = await pytest({ 'working-directory': 'shop', venv: 'missing-venv' });
      expect(result.exitCode).toBe(1);
      expect(result.errors[0]).toBe(
        `Input "venv": no virtual environment at ${path.join(workspace, 'shop/missing-venv')} (from input "venv"; bin/python is missing). Create one first, e.g. with ./actions/python-venv.`
      );
      expect(existsSync(path.join(workspace, 'shop/missing-venv'))).toBe(false);
    });
  });
});
