import {
  getIntegerInput,
  getListInput,
  getOptionalInput,
  getRequiredInput
} from '../../shared/src/inputs.js';
import { ConfigurationError } from '../../shared/src/errors.js';
import { DEFAULT_AUDIENCE, Input } from './constants.js';

/** Everything the action needs, read and validated before any network call. */
export interface CredentialsInputs {
  roleArn: string;
  /** The account in the role ARN; checked against the allow-list before anything is asked. */
  roleAccountId: string;
  region: string;
  sessionName: string;
  audience: string;
  durationSeconds: number;
  allowedAccountIds: string[];
  /** STS endpoint override (tests, VPC endpoints); the SDK also honours AWS_ENDPOINT_URL_STS. */
  stsEndpoint: string | undefined;
  /** Overall limit for the STS calls, retries included. */
  timeoutMs: number;
}

// IAM role ARNs: partition, 12-digit account, optional path, name of [\w+=,.@-].
const ROLE_ARN =
  /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
// AWS region names such as us-east-1, eu-central-2, us-gov-west-1, ap-southeast-5.
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
// STS RoleSessionName: 2 to 64 characters of [\w+=,.@-].
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const ACCOUNT_ID = /^\d{12}$/;

/** Validate a role ARN; the error names the input and shows the expected shape. */
export function parseRoleArn(value: string): { arn: string; accountId: string } {
  const match = ROLE_ARN.exec(value);
  if (!match) {
    throw new ConfigurationError(
      `Input "${Input.RoleToAssume}" must be an IAM role ARN such as ` +
        `arn:aws:iam::123456789012:role/ecommerce-deploy, got "${value}".`
    );
  }
  return { arn: value, accountId: match[2] as string };
}

/** The default session name says which run made the calls, in CloudTrail. */
export function defaultSessionName(env: NodeJS.ProcessEnv = process.env): string {
  const run = env.GITHUB_RUN_ID ?? 'local';
  const attempt = env.GITHUB_RUN_ATTEMPT ?? '1';
  return `github-actions-${run}-${attempt}`.slice(0, 64);
}

/** Read and validate every input. Throws a ConfigurationError naming the first bad one. */
export function readInputs(): CredentialsInputs {
  const { arn, accountId } = parseRoleArn(getRequiredInput(Input.RoleToAssume));

  const region = getRequiredInput(Input.AwsRegion);
  if (!REGION.test(region)) {
    throw new ConfigurationError(
      `Input "${Input.AwsRegion}" must be an AWS region such as us-east-1, got "${region}".`
    );
  }

  const sessionName = getOptionalInput(Input.RoleSessionName) ?? defaultSessionName();
  if (!SESSION_NAME.test(sessionName)) {
    throw new ConfigurationError(
      `Input "${Input.RoleSessionName}" must be 2 to 64 letters, digits or +=,.@_- characters, ` +
        `got "${sessionName}".`
    );
  }

  const allowedAccountIds = getListInput(Input.AllowedAccountIds);
  for (const id of allowedAccountIds) {
    if (!ACCOUNT_ID.test(id)) {
      throw new ConfigurationError(
        `Input "${Input.AllowedAccountIds}" must list 12-digit AWS account IDs, got "${id}".`
      );
    }
  }

  const stsEndpoint = getOptionalInput(Input.StsEndpoint);
  if (stsEndpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(stsEndpoint)) {
    throw new ConfigurationError(
      `Input "${Input.StsEndpoint}" must be an http(s) URL, got "${stsEndpoint}".`
    );
  }

  return {
    roleArn: arn,
    roleAccountId: accountId,
    region,
    sessionName,
    audience: getOptionalInput(Input.Audience) ?? DEFAULT_AUDIENCE,
    // STS accepts 900 s to 12 h; the role's own maximum may be lower (STS then says so).
    durationSeconds: getIntegerInput(Input.RoleDurationSeconds, {
      defaultValue: 3600,
      min: 900,
      max: 43200
    }),
    allowedAccountIds,
    stsEndpoint,
    timeoutMs: getIntegerInput(Input.TimeoutSeconds, { defaultValue: 60, min: 1, max: 900 }) * 1000
  };
}
