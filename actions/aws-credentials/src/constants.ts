/** Names of this action's inputs, outputs and saved state, kept in one place. */
export const Input = {
  RoleToAssume: 'role-to-assume',
  AwsRegion: 'aws-region',
  RoleSessionName: 'role-session-name',
  Audience: 'audience',
  RoleDurationSeconds: 'role-duration-seconds',
  AllowedAccountIds: 'allowed-account-ids',
  StsEndpoint: 'sts-endpoint',
  TimeoutSeconds: 'timeout-seconds'
} as const;

export const Output = {
  AccountId: 'aws-account-id',
  AssumedRoleArn: 'assumed-role-arn'
} as const;

export const State = {
  /** Comma-separated names of the variables the main step exported, for the post step. */
  ExportedVariables: 'exported-variables'
} as const;

/** The variables this action exports; the post step clears exactly these. */
export const EXPORTED_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_REGION',
  'AWS_DEFAULT_REGION'
] as const;

export const DEFAULT_AUDIENCE = 'sts.amazonaws.com';
