/**
 * pytest's exit codes (pytest.ExitCode) and what each means for the person reading the log.
 * https://docs.pytest.org/en/stable/reference/exit-codes.html
 */
export const ExitCode = {
  Ok: 0,
  TestsFailed: 1,
  Interrupted: 2,
  InternalError: 3,
  UsageError: 4,
  NoTestsCollected: 5
} as const;

/**
 * The message for an exit code that means pytest did not run the tests as asked (2–5 and
 * anything unknown, such as a signal); undefined for 0 and 1, which the counts explain.
 */
export function explainExitCode(
  code: number,
  dir: string,
  collectionErrors: number
): string | undefined {
  switch (code) {
    case ExitCode.Ok:
    case ExitCode.TestsFailed:
      return undefined;
    case ExitCode.Interrupted:
      return collectionErrors > 0
        ? `pytest stopped before running the tests (exit code 2): ${collectionErrors} error${collectionErrors === 1 ? '' : 's'} during collection (a test module that does not import, for instance); see the annotations and the log.`
        : 'pytest was interrupted (exit code 2): a KeyboardInterrupt, a -x/--maxfail stop during collection, or a plugin called pytest.exit(); see the log.';
    case ExitCode.InternalError:
      return 'pytest hit an internal error (exit code 3), usually a plugin or conftest.py raising during start-up; the traceback is in the log above.';
    case ExitCode.UsageError:
      return "pytest rejected its command line (exit code 4, usage error): check the args input and the pytest configuration; pytest's message is in the log above.";
    case ExitCode.NoTestsCollected:
      return `pytest collected no tests in ${dir} (exit code 5): check working-directory, the paths and -k/-m filters in args, testpaths in the pytest configuration, and that test files are named test_*.py or *_test.py.`;
    default:
      return `pytest exited with code ${code} (killed by a signal or out of memory?); see the log above.`;
  }
}
