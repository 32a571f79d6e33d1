import { type XmlElement, childrenNamed, descendantsNamed, parseXml } from './xml.js';

export type Outcome = 'passed' | 'failed' | 'error' | 'skipped';

/** One `<testcase>` of a JUnit report. */
export interface TestCase {
  classname: string;
  name: string;
  /** The test's file, when the writer records it (pytest's xunit1 family does). */
  file?: string;
  /** The `line` attribute as written; pytest writes the 0-based line of the test's `def`. */
  line?: number;
  /** Seconds. */
  time: number;
  outcome: Outcome;
  /** The failure's, error's or skip's one-line message. */
  message?: string;
  /** The failure's or error's full text: pytest's traceback. */
  details?: string;
}

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
  errors: number;
  total: number;
}

export interface JunitReport {
  cases: TestCase[];
  counts: Counts;
  /** Seconds: the suites' own times, or the sum of the cases' when the suites have none. */
  duration: number;
}

function seconds(value: string | undefined): number {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) && n >= 0 ? n : 0;
}

/** Message attribute, else the first non-empty line of the text. */
function messageOf(element: XmlElement): string | undefined {
  const attr = element.attributes.message?.trim();
  if (attr) return attr;
  return element.text
    .split('\n')
    .find((line) => line.trim() !== '')
    ?.trim();
}

/**
 * Outcome of one test case. A test that fails and then errors in teardown has both a `<failure>`
 * and an `<error>`: it counts once, as failed, so the totals add up to the number of tests.
 */
function readCase(element: XmlElement): TestCase {
  const failure = childrenNamed(element, 'failure')[0];
  const error = childrenNamed(element, 'error')[0];
  const skipped = childrenNamed(element, 'skipped')[0];
  const problem = failure ?? error;
  const outcome: Outcome = failure ? 'failed' : error ? 'error' : skipped ? 'skipped' : 'passed';
  const line = element.attributes.line;
  const result: TestCase = {
    classname: element.attributes.classname ?? '',
    name: element.attributes.name ?? '',
    time: seconds(element.attributes.time),
    outcome
  };
  if (element.attributes.file) result.file = element.attributes.file;
  if (line !== undefined && /^\d+$/.test(line)) result.line = Number(line);
  const described = problem ?? skipped;
  if (described) {
    const message = messageOf(described);
    if (message) result.message = message;
  }
  if (problem && problem.text.trim() !== '') result.details = problem.text.replace(/\s+$/, '');
  return result;
}

/** Count outcomes. */
export function countOutcomes(cases: readonly TestCase[]): Counts {
  const counts: Counts = { passed: 0, failed: 0, skipped: 0, errors: 0, total: cases.length };
  for (const c of cases) {
    if (c.outcome === 'passed') counts.passed++;
    else if (c.outcome === 'failed') counts.failed++;
    else if (c.outcome === 'error') counts.errors++;
    else counts.skipped++;
  }
  return counts;
}

/**
 * Read a JUnit XML report: a `<testsuites>` root (pytest since 5.1) or a bare `<testsuite>`,
 * suites possibly nested. Counts come from the test cases themselves, not from the suites'
 * summary attributes, which some writers get wrong.
 */
export function readJunitReport(xml: string): JunitReport {
  const root = parseXml(xml);
  if (root.name !== 'testsuites' && root.name !== 'testsuite') {
    throw new Error(`not a JUnit report: the root element is <${root.name}>`);
  }
  // Each testcase element once, however deeply suites nest.
  const cases = descendantsNamed(root, 'testcase').map(readCase);
  // Only the outermost suites carry the run's time; nested ones would count it twice.
  const outer = root.name === 'testsuite' ? [root] : childrenNamed(root, 'testsuite');
  const suiteTime = outer.reduce((sum, s) => sum + seconds(s.attributes.time), 0);
  const duration = suiteTime > 0 ? suiteTime : cases.reduce((sum, c) => sum + c.time, 0);
  return { cases, counts: countOutcomes(cases), duration };
}

/**
 * The pytest node id people know a test by: `tests/test_cart.py::TestCart::test_total`. Built
 * from the file attribute when present, else from the dotted classname.
 */
export function testId(c: TestCase): string {
  if (c.file) {
    const module = c.file.replace(/\.py$/, '').replace(/[\\/]/g, '.');
    const rest = c.classname.startsWith(`${module}.`) ? c.classname.slice(module.length + 1) : '';
    return [c.file, ...(rest ? rest.split('.') : []), c.name].join('::');
  }
  return c.classname ? `${c.classname}::${c.name}` : c.name;
}
