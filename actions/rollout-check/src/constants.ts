/** Names of this action's inputs and outputs, kept in one place. */
export const Input = {
  AwsRegion: 'aws-region',
  TagFilters: 'tag-filters',
  ExpectedCount: 'expected-count',
  BaseUrl: 'base-url',
  HealthPath: 'health-path',
  ApiPath: 'api-path',
  StorefrontPath: 'storefront-path',
  TimeoutSeconds: 'timeout-seconds',
  PollIntervalSeconds: 'poll-interval-seconds',
  HealthyRounds: 'healthy-rounds',
  Ec2Endpoint: 'ec2-endpoint',
  RedeployDocument: 'redeploy-document',
  TargetGroupArn: 'target-group-arn',
  RedeployTimeoutSeconds: 'redeploy-timeout-seconds',
  ImageParameters: 'image-parameters',
  ReleaseMaxAgeMinutes: 'release-max-age-minutes'
} as const;

export const Output = {
  InstanceIds: 'instance-ids',
  SecondsToHealthy: 'seconds-to-healthy',
  RolledBack: 'rolled-back'
} as const;
