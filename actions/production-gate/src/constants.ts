/** Names of this action's inputs and outputs, kept in one place. */
export const Input = {
  GithubToken: 'github-token',
  Environment: 'environment',
  Branch: 'branch',
  AllowUnprotected: 'allow-unprotected'
} as const;

export const Output = {
  Protected: 'protected',
  Reviewers: 'reviewers',
  WaitTimer: 'wait-timer'
} as const;

/**
 * The repository variable a workflow passes into `allow-unprotected`. Named in every message
 * about the override, so whoever reads the summary knows which switch to turn off.
 */
export const OVERRIDE_VARIABLE = 'ALLOW_UNPROTECTED_PRODUCTION';

/** The job permission the two GET endpoints need (GitHub's REST docs: "Actions" read). */
export const REQUIRED_PERMISSION = 'actions: read';
