/** The action's name, as the failure prefix uses it. */
export const ACTION_NAME = 'pytest';

/** Input names, exactly as action.yml declares them. */
export const Input = {
  WorkingDirectory: 'working-directory',
  Venv: 'venv',
  Args: 'args',
  JunitPath: 'junit-path',
  DjangoSettings: 'django-settings',
  FailOnError: 'fail-on-error',
  Annotate: 'annotate'
} as const;

/** Output names, exactly as action.yml declares them. */
export const Output = {
  Passed: 'passed',
  Failed: 'failed',
  Skipped: 'skipped',
  Errors: 'errors',
  Total: 'total',
  Duration: 'duration',
  JunitPath: 'junit-path'
} as const;

/** GitHub shows at most 10 error annotations per step; more are dropped silently. */
export const MAX_ANNOTATIONS = 10;

/** Failures written out in full in the job summary (which is limited to 1 MiB). */
export const MAX_SUMMARY_FAILURES = 30;

/** Traceback lines kept per failure in the summary. */
export const MAX_TRACEBACK_LINES = 60;
