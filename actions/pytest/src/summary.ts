import { details, formatDuration, markdownTable } from '../../shared/src/summary.js';
import { MAX_SUMMARY_FAILURES, MAX_TRACEBACK_LINES } from './constants.js';
import { type Counts, type JunitReport, type TestCase, testId } from './junit.js';
import type { SourceLocation } from './locate.js';

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** "2 failed, 1 error, 40 passed, 3 skipped": pytest's own order, zero counts left out. */
export function describeCounts(counts: Counts): string {
  const parts = [
    counts.failed ? `${counts.failed} failed` : '',
    counts.errors ? plural(counts.errors, 'error') : '',
    counts.passed ? `${counts.passed} passed` : '',
    counts.skipped ? `${counts.skipped} skipped` : ''
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'no tests';
}

/** The last lines of a traceback: the end is where the failure is. */
function tail(text: string, lines: number): string {
  const all = text.split('\n');
  return all.length <= lines
    ? text
    : [`… ${all.length - lines} lines above omitted …`, ...all.slice(-lines)].join('\n');
}

export interface SummaryInput {
  report: JunitReport | undefined;
  /** Failure locations by test, from locateFailure(). */
  locations: Map<TestCase, SourceLocation | undefined>;
  exitCode: number;
  /** Set when the exit code means pytest did not run the tests as asked. */
  problem?: string;
  junitPath: string;
  workingDirectory: string;
}

function failureSection(c: TestCase, location: SourceLocation | undefined): string {
  const where = location ? ` at \`${location.file}:${location.line}\`` : '';
  const label = c.outcome === 'error' ? 'error' : 'failed';
  const message = c.message ? `\n\n> ${c.message.split('\n').join('\n> ')}` : '';
  const trace = c.details
    ? `\n\n${details('Traceback', tail(c.details, MAX_TRACEBACK_LINES).replace(/```/g, 'ˋˋˋ'), 'text')}`
    : '';
  return `**\`${testId(c)}\`** ${label}${where}${message}${trace}`;
}

/** The job summary: totals, every failure with its message, and the slowest tests. */
export function renderSummary(s: SummaryInput): string {
  const out: string[] = [];
  const counts = s.report?.counts;
  const bad = counts ? counts.failed + counts.errors : 0;
  const icon = s.problem || bad > 0 ? '❌' : '✅';
  const headline = counts ? describeCounts(counts) : 'no report';
  const duration = s.report ? ` in ${formatDuration(s.report.duration * 1000)}` : '';
  out.push(`### ${icon} pytest: ${headline}${duration}`);
  out.push(`Ran in \`${s.workingDirectory}\`; exit code ${s.exitCode}.`);
  if (s.problem) out.push(`**${s.problem}**`);
  if (counts) {
    out.push(
      markdownTable(
        ['Passed', 'Failed', 'Errors', 'Skipped', 'Total', 'Duration'],
        [
          [
            counts.passed,
            counts.failed,
            counts.errors,
            counts.skipped,
            counts.total,
            formatDuration((s.report?.duration ?? 0) * 1000)
          ]
        ]
      )
    );
  }
  const failures = (s.report?.cases ?? []).filter(
    (c) => c.outcome === 'failed' || c.outcome === 'error'
  );
  if (failures.length) {
    out.push(`#### Failures and errors (${failures.length})`);
    for (const c of failures.slice(0, MAX_SUMMARY_FAILURES)) {
      out.push(failureSection(c, s.locations.get(c)));
    }
    if (failures.length > MAX_SUMMARY_FAILURES) {
      out.push(
        `…and ${failures.length - MAX_SUMMARY_FAILURES} more; every one is in the JUnit report.`
      );
    }
  }
  const slowest = [...(s.report?.cases ?? [])]
    .filter((c) => c.time > 0)
    .sort((a, b) => b.time - a.time)
    .slice(0, 10);
  if (slowest.length) {
    out.push(`#### Slowest ${plural(slowest.length, 'test')}`);
    out.push(
      markdownTable(
        ['Test', 'Outcome', 'Time'],
        slowest.map((c) => [`\`${testId(c)}\``, c.outcome, formatDuration(c.time * 1000)])
      )
    );
  }
  out.push(`JUnit report: \`${s.junitPath}\``);
  return `${out.join('\n\n')}\n`;
}
