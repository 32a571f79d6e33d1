import * as core from '@actions/core';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ConfigurationError, errorMessage } from '../../shared/src/errors.js';
import { loggedExec } from '../../shared/src/exec.js';
import { appendSummary } from '../../shared/src/summary.js';
import { Input, MAX_ANNOTATIONS, Output } from './constants.js';
import { detectDjango } from './django.js';
import { ExitCode, explainExitCode } from './exit-codes.js';
import { type JunitReport, type TestCase, readJunitReport, testId } from './junit.js';
import { type SourceLocation, locateFailure } from './locate.js';
import { describeCounts, renderSummary } from './summary.js';

/** The action's inputs, read and checked by main.ts. */
export interface PytestInputs {
  /** Absolute; known to exist. */
  workingDirectory: string;
  /** Absolute path of a virtual environment known to hold an interpreter. */
  venvPath: string;
  /** Extra pytest arguments, already split into words. */
  args: string[];
  /** Absolute path the JUnit XML report is written to. */
  junitPath: string;
  djangoSettings?: string;
  failOnError: boolean;
  annotate: boolean;
  /** GITHUB_WORKSPACE: annotations name files relative to it. */
  workspace: string;
}

export interface PytestResult {
  exitCode: number;
  report: JunitReport | undefined;
}

/** Failed tests: the person fixes the tests, so the message stands without a stack or prefix. */
export class TestsFailedError extends ConfigurationError {}

/** The venv's interpreter: `bin/python`, or `Scripts/python.exe` on Windows. */
export function venvInterpreter(venvPath: string): string {
  return process.platform === 'win32'
    ? path.join(venvPath, 'Scripts', 'python.exe')
    : path.join(venvPath, 'bin', 'python');
}

/** Which of the given modules the venv can import. */
async function importable(python: string, modules: string[]): Promise<Set<string>> {
  const code = `import importlib.util as u, sys\nfor m in sys.argv[1:]:\n    print(m if u.find_spec(m) else '')`;
  const { stdout } = await loggedExec(python, ['-c', code, ...modules], { quiet: true });
  return new Set(
    stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
  );
}

/** pytest's rootdir from its header line (`rootdir: /work/app`), for resolving report paths. */
export function rootdirFromOutput(stdout: string): string | undefined {
  return /^rootdir: (.+?)(?:, (?:inifile|configfile|testpaths):.*)?$/m.exec(stdout)?.[1]?.trim();
}

/**
 * Run pytest in the venv with a JUnit report, then publish what happened: outputs, annotations
 * at the failing lines, a job summary. Throws (failing the step) when tests failed, unless
 * failOnError is off, and always when pytest could not run the tests (exit codes 2–5).
 */
export async function run(inputs: PytestInputs): Promise<PytestResult> {
  const python = venvInterpreter(inputs.venvPath);
  const django = detectDjango(inputs.workingDirectory, inputs.djangoSettings);
  const wanted = django.isDjango ? ['pytest', 'pytest_django'] : ['pytest'];
  const present = await importable(python, wanted);
  if (!present.has('pytest')) {
    throw new ConfigurationError(
      `Input "${Input.Venv}": pytest is not installed in ${inputs.venvPath}; add it to the requirements the environment is built from.`
    );
  }
  if (django.isDjango) {
    core.info(`Django project (${django.reason}): running with pytest-django.`);
    if (!present.has('pytest_django')) {
      // The original project's Jenkins pipeline installed it at test time too; pinning it is
      // better, so say so.
      core.warning(
        `pytest-django is not installed in ${inputs.venvPath}: installing the latest. Pin it in your development requirements to make test runs reproducible.`
      );
      await loggedExec(python, [
        '-m',
        'pip',
        'install',
        '--disable-pip-version-check',
        'pytest-django'
      ]);
    }
  }

  mkdirSync(path.dirname(inputs.junitPath), { recursive: true });
  // A report left by an earlier run must never be read as this run's.
  rmSync(inputs.junitPath, { force: true });

  const venvBin = path.dirname(python);
  const env: Record<string, string> = {
    VIRTUAL_ENV: inputs.venvPath,
    PATH: `${venvBin}${path.delimiter}${process.env.PATH ?? ''}`
  };
  if (django.settingsModule) env.DJANGO_SETTINGS_MODULE = django.settingsModule;
  // xunit1 is the JUnit flavour that records each test's file and line.
  const family = inputs.args.some((a) => a.includes('junit_family'))
    ? []
    : ['-o', 'junit_family=xunit1'];
  const started = Date.now();
  const { exitCode, stdout } = await loggedExec(
    python,
    ['-m', 'pytest', `--junitxml=${inputs.junitPath}`, ...family, ...inputs.args],
    { cwd: inputs.workingDirectory, env, ignoreReturnCode: true }
  );
  core.info(
    `pytest exited with code ${exitCode} after ${((Date.now() - started) / 1000).toFixed(1)} s.`
  );

  let report: JunitReport | undefined;
  if (existsSync(inputs.junitPath)) {
    try {
      report = readJunitReport(readFileSync(inputs.junitPath, 'utf8'));
    } catch (error) {
      throw new Error(
        `could not read the JUnit report ${inputs.junitPath}: ${errorMessage(error)}`
      );
    }
  }

  const ctx = {
    cwd: inputs.workingDirectory,
    rootdir: rootdirFromOutput(stdout),
    workspace: inputs.workspace
  };
  const failures = (report?.cases ?? []).filter(
    (c) => c.outcome === 'failed' || c.outcome === 'error'
  );
  const locations = new Map<TestCase, SourceLocation | undefined>(
    failures.map((c) => [c, locateFailure(c, ctx)])
  );

  const counts = report?.counts ?? { passed: 0, failed: 0, skipped: 0, errors: 0, total: 0 };
  core.setOutput(Output.Passed, counts.passed);
  core.setOutput(Output.Failed, counts.failed);
  core.setOutput(Output.Skipped, counts.skipped);
  core.setOutput(Output.Errors, counts.errors);
  core.setOutput(Output.Total, counts.total);
  core.setOutput(Output.Duration, (report?.duration ?? 0).toFixed(3));
  core.setOutput(Output.JunitPath, inputs.junitPath);

  if (inputs.annotate) annotate(failures, locations);

  let problem = explainExitCode(exitCode, inputs.workingDirectory, counts.errors);
  if (!problem && !report) {
    problem = `pytest exited with code ${exitCode} but wrote no JUnit report to ${inputs.junitPath}.`;
  }
  await appendSummary(
    renderSummary({
      report,
      locations,
      exitCode,
      problem,
      junitPath: inputs.junitPath,
      workingDirectory: path.relative(inputs.workspace, inputs.workingDirectory) || '.'
    })
  );

  if (problem) throw new ConfigurationError(problem);
  const bad = counts.failed + counts.errors;
  if (bad > 0 || exitCode === ExitCode.TestsFailed) {
    const message =
      bad > 0
        ? `${bad} of ${counts.total} tests did not pass (${describeCounts(counts)}); see the annotations and the job summary.`
        : 'pytest reported a failure (exit code 1) although every test in its report passed; see the log above.';
    if (inputs.failOnError) throw new TestsFailedError(message);
    core.warning(`${message} The step passes because fail-on-error is false.`);
  } else {
    core.info(`pytest: ${describeCounts(counts)}.`);
  }
  return { exitCode, report };
}

/** One error annotation per failure, at its line; GitHub keeps only the first ten of a step. */
function annotate(
  failures: TestCase[],
  locations: Map<TestCase, SourceLocation | undefined>
): void {
  for (const c of failures.slice(0, MAX_ANNOTATIONS)) {
    const location = locations.get(c);
    const title = `${testId(c)} ${c.outcome === 'error' ? 'errored' : 'failed'}`;
    const message = c.message ?? title;
    core.error(
      message,
      location ? { title, file: location.file, startLine: location.line } : { title }
    );
  }
  if (failures.length > MAX_ANNOTATIONS) {
    core.info(
      `${failures.length - MAX_ANNOTATIONS} more failures are not annotated (GitHub shows ${MAX_ANNOTATIONS} per step); all are in the job summary.`
    );
  }
}
