/** Names of this action's inputs and outputs, kept in one place. */
export const Input = {
  AwsRegion: 'aws-region',
  AutoScalingGroups: 'auto-scaling-groups',
  LaunchTemplateId: 'launch-template-id',
  LaunchTemplateVersion: 'launch-template-version',
  InstanceWarmupSeconds: 'instance-warmup-seconds',
  CheckpointPercentages: 'checkpoint-percentages',
  CheckpointDelaySeconds: 'checkpoint-delay-seconds',
  TimeoutSeconds: 'timeout-seconds',
  PollIntervalSeconds: 'poll-interval-seconds'
} as const;

export const Output = {
  Result: 'result',
  RefreshIds: 'refresh-ids',
  RolledBack: 'rolled-back'
} as const;

/** What the step ended with, the `result` output. */
export type Result = 'successful' | 'unchanged' | 'rolled-back' | 'rollback-failed';

/** Refresh states that are still moving: a group in one of these cannot start another. */
export const ACTIVE_STATUSES: ReadonlySet<string> = new Set([
  'Pending',
  'InProgress',
  'Cancelling',
  'RollbackInProgress',
  'Baking'
]);
