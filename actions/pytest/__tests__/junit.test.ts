import { describe, expect, it } from '@jest/globals';
import { readJunitReport, testId } from '../src/junit.js';

/** A report as pytest 9 writes it with junit_family=xunit1 (trimmed). */
const PYTEST_REPORT = `<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="1" failures="1" skipped="2" tests="5" time="1.250">
<testcase classname="tests.test_cart" name="test_total" file="tests/test_cart.py" line="10" time="0.010" />
<testcase classname="tests.test_cart.TestDiscount" name="test_applied" file="tests/test_cart.py" line="20" time="0.500"><failure message="AssertionError: assert 85 == 80">def test_applied(self):
&gt;       assert 85 == 80
E       AssertionError: assert 85 == 80

tests/test_cart.py:23: AssertionError</failure></testcase>
<testcase classname="tests.test_cart" name="test_skip" file="tests/test_cart.py" line="30" time="0.000"><skipped type="pytest.skip" message="needs a card network">tests/test_cart.py:31: needs a card network</skipped></testcase>
<testcase classname="tests.test_cart" name="test_xfail" file="tests/test_cart.py" line="35" time="0.001"><skipped type="pytest.xfail" message="known bug" /></testcase>
<testcase classname="tests.test_cart" name="test_refund" file="tests/test_cart.py" line="40" time="0.000"><error message="failed on setup with &quot;ConnectionError: down&quot;">tests/conftest.py:8: ConnectionError</error></testcase>
</testsuite></testsuites>`;

describe('readJunitReport', () => {
  it('counts outcomes from the test cases and takes the duration from the suite', () => {
    const report = readJunitReport(PYTEST_REPORT);
    expect(report.counts).toEqual({ passed: 1, failed: 1, skipped: 2, errors: 1, total: 5 });
    expect(report.duration).toBe(1.25);
    const failed = report.cases[1];
    expect(failed).toMatchObject({
      outcome: 'failed',
      file: 'tests/test_cart.py',
      line: 20,
      message: 'AssertionError: assert 85 == 80'
    });
    expect(failed?.details).toContain('tests/test_cart.py:23: AssertionError');
    expect(report.cases[4]).toMatchObject({
      outcome: 'error',
      message: 'failed on setup with "ConnectionError: down"'
    });
  });

  it('counts a test that failed and then errored in teardown once, as failed', () => {
    const report = readJunitReport(
      '<testsuite><testcase classname="t" name="a"><failure message="f"/><error message="teardown"/></testcase></testsuite>'
    );
    expect(report.counts).toEqual({ passed: 0, failed: 1, skipped: 0, errors: 0, total: 1 });
  });

  it('reads a bare <testsuite> root and nested suites, summing case times when suites have none', () => {
    const report = readJunitReport(
      '<testsuites><testsuite name="outer"><testsuite name="inner"><testcase name="a" time="0.25"/></testsuite><testcase name="b" time="0.5"/></testsuite></testsuites>'
    );
    expect(report.counts.total).toBe(2);
    expect(report.duration).toBe(0.75);
  });

  it('takes the message from the text when the attribute is missing', () => {
    const report = readJunitReport(
      '<testsuite><testcase name="a"><failure>\n  boom happened\n  more</failure></testcase></testsuite>'
    );
    expect(report.cases[0]?.message).toBe('boom happened');
  });

  it('rejects a document that is not a JUnit report', () => {
    expect(() => readJunitReport('<html><body/></html>')).toThrow(
      'not a JUnit report: the root element is <html>'
    );
  });
});

describe('testId', () => {
  it('builds pytest node ids from the file and the classname', () => {
    const report = readJunitReport(PYTEST_REPORT);
    expect(report.cases.map(testId).slice(0, 2)).toEqual([
      'tests/test_cart.py::test_total',
      'tests/test_cart.py::TestDiscount::test_applied'
    ]);
    expect(testId({ classname: 'pkg.mod', name: 't', time: 0, outcome: 'passed' })).toBe(
      'pkg.mod::t'
    );
  });
});
