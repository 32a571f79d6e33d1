import { describe, expect, it } from '@jest/globals';
import { readJunitReport } from '../src/junit.js';
import { describeCounts, renderSummary } from '../src/summary.js';

const cases = Array.from(
  { length: 12 },
  (_, i) =>
    `<testcase classname="t" name="test_${i}" file="t.py" line="${i}" time="${(i + 1) / 10}"/>`
);
const REPORT = `<testsuite time="9.5">${cases.join('')}<testcase classname="t" name="test_bad" file="t.py" line="40" time="0.05"><failure message="AssertionError: 1 == 2">long\ntraceback with \`\`\` fences\nt.py:42: AssertionError</failure></testcase></testsuite>`;

describe('describeCounts', () => {
  it("lists non-zero counts in pytest's order", () => {
    expect(describeCounts({ passed: 3, failed: 1, skipped: 0, errors: 2, total: 6 })).toBe(
      '1 failed, 2 errors, 3 passed'
    );
    expect(describeCounts({ passed: 0, failed: 0, skipped: 0, errors: 1, total: 1 })).toBe(
      '1 error'
    );
    expect(describeCounts({ passed: 0, failed: 0, skipped: 0, errors: 0, total: 0 })).toBe(
      'no tests'
    );
  });
});

describe('renderSummary', () => {
  it('shows totals, each failure with its location and message, and the 10 slowest tests', () => {
    const report = readJunitReport(REPORT);
    const failure = report.cases.find((c) => c.outcome === 'failed');
    const text = renderSummary({
      report,
      locations: new Map([[failure!, { file: 'app/t.py', line: 42 }]]),
      exitCode: 1,
      junitPath: '/tmp/junit.xml',
      workingDirectory: 'app'
    });
    expect(text).toContain('### ❌ pytest: 1 failed, 12 passed in 9.5 s');
    expect(text).toContain('| 12 | 1 | 0 | 0 | 13 | 9.5 s |');
    expect(text).toContain(
      '**`t.py::test_bad`** failed at `app/t.py:42`\n\n> AssertionError: 1 == 2'
    );
    // A fence inside the traceback must not close the summary's code block.
    expect(text).not.toContain('with ``` fences');
    expect(text).toContain('#### Slowest 10 tests');
    expect(text).toContain('| `t.py::test_11` | passed | 1.2 s |');
    expect(text).not.toContain('`t.py::test_1` |');
    expect(text).toContain('JUnit report: `/tmp/junit.xml`');
  });

  it('says why when pytest did not run the tests', () => {
    const text = renderSummary({
      report: undefined,
      locations: new Map(),
      exitCode: 4,
      problem: 'pytest rejected its command line (exit code 4, usage error)',
      junitPath: '/tmp/junit.xml',
      workingDirectory: '.'
    });
    expect(text).toContain('### ❌ pytest: no report');
    expect(text).toContain('**pytest rejected its command line (exit code 4, usage error)**');
  });
});
