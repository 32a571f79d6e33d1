/** Names of this action's inputs and outputs, kept in one place. */
export const Input = {
  WorkingDirectory: 'working-directory',
  Mode: 'mode',
  PlanFile: 'plan-file',
  BackendConfig: 'backend-config',
  Variables: 'variables',
  SecretVariables: 'secret-variables',
  LockTimeout: 'lock-timeout',
  FmtCheck: 'fmt-check',
  Validate: 'validate',
  ProtectTypes: 'protect-types',
  AllowDestroy: 'allow-destroy',
  GitHubToken: 'github-token',
  PrComment: 'pr-comment',
  CheckReviewedPlan: 'check-reviewed-plan',
  RequireReviewedPlan: 'require-reviewed-plan',
  UnreviewedVariables: 'unreviewed-variables',
  ReviewedPlanAuthor: 'reviewed-plan-author'
} as const;

export const Output = {
  PlanFile: 'plan-file',
  PlanMetaFile: 'plan-meta-file',
  HasChanges: 'has-changes',
  Add: 'add',
  Change: 'change',
  Destroy: 'destroy',
  Replace: 'replace',
  Outputs: 'outputs',
  SensitiveOutputs: 'sensitive-outputs',
  Fingerprint: 'fingerprint',
  CommentUrl: 'comment-url',
  ReviewedPlan: 'reviewed-plan'
} as const;

/**
 * Action output names this action sets itself; a Terraform output with one of these names
 * is still in the `outputs` JSON but does not get its own action output.
 */
export const RESERVED_OUTPUT_NAMES = new Set<string>(Object.values(Output));

export type Mode = 'plan' | 'apply';
export const MODES: readonly Mode[] = ['plan', 'apply'];
