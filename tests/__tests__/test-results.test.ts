import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../kit/action-bundle.js';
import { runStep } from './support/run-step.js';
import { readWorkflow, type Step } from './support/workflow-files.js';

// Test results on pull requests: ci.yml's steps that turn every suite's JUnit reports into a
// job summary and annotations, replayed as the runner runs them against reports shaped like
// the suites' own (jest-junit, pytest, check records), as a job's folder and as downloaded
// artifacts.

const { workflow } = readWorkflow('ci.yml');
const suites = workflow.jobs.suites!;
const results = workflow.jobs.results!;
const perSuite = suites.steps?.find((s) => s.run?.includes('summarize-results.py')) as Step;
const overall = results.steps?.find((s) => s.run?.includes('summarize-results.py')) as Step;

const JEST = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="jest tests" tests="3" failures="1" errors="0" time="1.2">
  <testsuite name="drift.yml" errors="0" failures="1" skipped="0" time="1.2" tests="3">
    <testcase classname="drift.yml runs daily" name="drift.yml runs daily" time="0.1"></testcase>
    <testcase classname="x" name="drift.yml | plans &lt;main&gt; with \`terraform\`" time="0.2">
      <failure>Error: expect(received).toBe(expected)
Expected: "a"
Received: "b"
\`\`\`
    at Object.&lt;anonymous&gt; (tests/__tests__/drift.test.ts:42:7)</failure>
    </testcase>
    <testcase classname="x" name="skipped one" time="0"><skipped/></testcase>
  </testsuite>
</testsuites>`;
const PYTEST = `<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="1" failures="0" skipped="0" tests="2">
<testcase classname="orders.tests.test_checkout" name="test_paid_order_has_items" time="0.5"/>
<testcase classname="orders.tests.test_checkout" name="test_db_down" time="0.1"><error message="OperationalError: could not connect, port 5432">trace</error></testcase>
</testsuite></testsuites>`;

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ci-results-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

function replay(step: Step, cwd: string, env: Record<string, string> = {}) {
  const summary = path.join(mkdtempSync(path.join(tmpdir(), 'summary-')), 'summary.md');
  writeFileSync(summary, '');
  // The step runs from the checkout; its relative paths resolve in `cwd`, the script in the repo.
  const run = runStep(
    { ...step, run: step.run?.replace('scripts/lib/', `${repoRoot}/scripts/lib/`) },
    { GITHUB_STEP_SUMMARY: summary, ...env },
    cwd
  );
  return { ...run, summary: readFileSync(summary, 'utf8') };
}

describe("ci.yml's test results", () => {
  it('every suite job reports its results, also when its tests failed', () => {
    expect(perSuite.if).toBe('always()');
    const step = suites.steps?.indexOf(perSuite) ?? -1;
    expect(suites.steps?.[step - 1]?.run).toBe('bash scripts/test ${{ matrix.suite }}');
  });

  it('a suite job: one table row per suite, each failure folded open, one annotation per failed test', () => {
    const ws = folder({
      'artifacts/test-results/deploy-jest.xml': JEST,
      'artifacts/test-results/static-checks.jsonl':
        '{"name": "eslint", "status": 0, "seconds": 3}\n{"name": "prettier --check", "status": 1, "seconds": 2}\n',
      'artifacts/test-results/suites-4242.tsv': 'deploy\t1\t182\nstatic\t1\t5\n'
    });
    const run = replay(perSuite, ws);
    expect(run.status).toBe(0);
    expect(run.summary).toContain('**❌ 2 passed, 2 failed, 1 skipped** in 2 suite(s).');
    expect(run.summary).toContain('| deploy | ❌ failed | 1 | 1 | 1 | 182 s |');
    expect(run.summary).toContain('| static | ❌ failed | 1 | 1 | 0 | 5 s |');
    // The name is HTML-escaped in the summary line; the text sits in a fence its backticks cannot close.
    expect(run.summary).toContain(
      '<details><summary>❌ deploy: drift.yml | plans &lt;main&gt; with `terraform`</summary>'
    );
    expect(run.summary).toContain('````text\nError: expect(received).toBe(expected)');
    expect(run.summary).toContain('<details><summary>❌ static: prettier --check</summary>');
    expect(run.stdout.split('\n').filter((l) => l.startsWith('::error'))).toEqual([
      '::error title=deploy%3A drift.yml | plans <main> with `terraform`::Error: expect(received).toBe(expected)',
      '::error title=static%3A prettier --check::check exited 1'
    ]);
  });

  it('a suite that crashed before writing a report still shows as failed', () => {
    const ws = folder({ 'artifacts/test-results/suites-1.tsv': 'fraud\t2\t1\n' });
    const run = replay(perSuite, ws);
    expect(run.summary).toContain('| fraud | ❌ failed | 0 | 1 | 0 | 1 s |');
    expect(run.stdout).toContain(
      '::error title=fraud%3A suite fraud::the suite exited 2 before reporting a failed test'
    );
  });

  it('at most ten annotations (GitHub shows no more per step), the rest counted', () => {
    const cases = Array.from(
      { length: 14 },
      (_, i) => `<testcase name="t${i}"><failure>boom ${i}</failure></testcase>`
    );
    const ws = folder({
      'artifacts/test-results/actions-jest.xml': `<testsuites><testsuite name="s">${cases.join('')}</testsuite></testsuites>`
    });
    const errors = replay(perSuite, ws)
      .stdout.split('\n')
      .filter((l) => l.startsWith('::error'));
    expect(errors).toHaveLength(11);
    expect(errors[10]).toBe(
      '::error title=More failed tests::4 more failed tests: see the job summary.'
    );
  });

  it("the run: one table over every job's downloaded artifacts (the backend's pytest report too), no duplicate annotations", () => {
    expect(results.needs).toEqual(['backend', 'suites']);
    expect(results.if).toBe('${{ always() }}');
    const download = results.steps?.find((s) => s.uses?.startsWith('actions/download-artifact@'));
    expect(download?.with?.path).toBe('${{ runner.temp }}/results');
    const artifacts = folder({
      'backend-test-results/backend-junit.xml': PYTEST,
      'suite-deploy/test-results/deploy-jest.xml': JEST,
      'suite-deploy/test-results/suites-99.tsv': 'deploy\t1\t182\n',
      'suite-terraform/test-results/terraform-checks.jsonl':
        '{"name": "checkov", "status": 0, "seconds": 40}\n',
      'suite-terraform/test-results/suites-98.tsv': 'terraform\t0\t86\n'
    });
    const run = replay(overall, tmpdir(), { RESULTS: artifacts });
    expect(run.status).toBe(0);
    expect(run.summary).toContain('**❌ 3 passed, 2 failed, 1 skipped** in 3 suite(s).');
    expect(run.summary).toContain('| backend | ❌ failed | 1 | 1 | 0 |  |');
    expect(run.summary).toContain('| terraform | ✅ passed | 1 | 0 | 0 | 86 s |');
    expect(run.summary).toContain('❌ backend: test_db_down');
    expect(run.stdout).not.toContain('::error');
  });

  it('all green: says so first', () => {
    const ws = folder({
      'artifacts/test-results/terraform-checks.jsonl':
        '{"name": "checkov", "status": 0, "seconds": 40}\n',
      'artifacts/test-results/suites-1.tsv': 'terraform\t0\t41\n'
    });
    const run = replay(perSuite, ws);
    expect(run.summary.split('\n').slice(0, 3)).toEqual([
      '## Test results',
      '',
      '**✅ 1 passed, 0 failed, 0 skipped** in 1 suite(s).'
    ]);
    expect(run.summary).not.toContain('### Failures');
  });
});
