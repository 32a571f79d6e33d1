import {
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  STSClient
} from '@aws-sdk/client-sts';
import * as core from '@actions/core';
import { errorMessage } from '../../shared/src/errors.js';
import { retryWithBackoff } from '../../shared/src/retry.js';

/** Temporary credentials from AssumeRoleWithWebIdentity. */
export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date | undefined;
}

export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
}

// STS error codes worth another try: throttling, the IdP being briefly unreachable from AWS,
// and AWS-side failures. Everything else (AccessDenied, InvalidIdentityToken, ...) fails at once.
const RETRYABLE_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'IDPCommunicationError',
  'IDPCommunicationErrorException',
  'ServiceUnavailable',
  'InternalFailure',
  'InternalError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError'
]);
// Network failures between the runner and STS.
const RETRYABLE_NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH'
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

/** Whether an STS call that failed this way may succeed if tried again. */
export function isRetryableStsError(error: unknown): boolean {
  const e = error as SdkErrorShape | undefined;
  if (!e) return false;
  if (e.name && RETRYABLE_CODES.has(e.name)) return true;
  if (e.code && RETRYABLE_NETWORK.has(e.code)) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && (status >= 500 || status === 429);
}

export interface StsOptions {
  region: string;
  endpoint: string | undefined;
  timeoutMs: number;
}

/** Runs STS calls under one deadline with jittered backoff, logging each retry. */
export class StsSession {
  private readonly deadline: number;

  constructor(private readonly options: StsOptions) {
    this.deadline = Date.now() + options.timeoutMs;
  }

  private client(credentials?: TemporaryCredentials): STSClient {
    return new STSClient({
      region: this.options.region,
      // The endpoint input wins; otherwise the SDK reads AWS_ENDPOINT_URL_STS itself.
      ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
      // Our own retry loop decides, so one SDK attempt per try.
      maxAttempts: 1,
      // AssumeRoleWithWebIdentity is unsigned; stating no credentials keeps the SDK from
      // searching the runner for some (an instance profile, a stale ~/.aws) first.
      credentials: credentials
        ? {
            accessKeyId: credentials.accessKeyId,
            secretAccessKey: credentials.secretAccessKey,
            sessionToken: credentials.sessionToken
          }
        : { accessKeyId: 'unused', secretAccessKey: 'unused' },
      requestHandler: { connectionTimeout: 5000, requestTimeout: 15000 }
    });
  }

  private retry<T>(what: string, operation: () => Promise<T>): Promise<T> {
    const remaining = Math.max(0, this.deadline - Date.now());
    let attempts = 0;
    return retryWithBackoff(
      async () => {
        attempts++;
        return operation();
      },
      {
        deadlineMs: remaining,
        baseDelayMs: 500,
        maxDelayMs: 8000,
        isRetryable: isRetryableStsError,
        onRetry: (error, attempt, delayMs) =>
          core.info(
            `${what}: attempt ${attempt} failed (${errorMessage(error)}); retrying in ${delayMs} ms`
          )
      }
    ).catch((error: unknown) => {
      if (attempts > 1 && isRetryableStsError(error)) {
        const seconds = Math.round(this.options.timeoutMs / 1000);
        throw Object.assign(
          new Error(
            `${what} still failing after ${attempts} attempts within the ${seconds} s limit ` +
              `("timeout-seconds"): ${errorMessage(error)}`
          ),
          { cause: error }
        );
      }
      throw error;
    });
  }

  /** Exchange the OIDC token for temporary credentials. */
  async assumeRole(
    roleArn: string,
    sessionName: string,
    token: string,
    durationSeconds: number
  ): Promise<{ credentials: TemporaryCredentials; assumedRoleArn: string | undefined }> {
    const client = this.client();
    const response = await this.retry('AssumeRoleWithWebIdentity', () =>
      client.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: roleArn,
          RoleSessionName: sessionName,
          WebIdentityToken: token,
          DurationSeconds: durationSeconds
        })
      )
    );
    const c = response.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
      throw new Error('STS answered AssumeRoleWithWebIdentity without complete credentials.');
    }
    return {
      credentials: {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration
      },
      assumedRoleArn: response.AssumedRoleUser?.Arn
    };
  }

  /** Prove the credentials work, and learn which account and role they belong to. */
  async callerIdentity(credentials: TemporaryCredentials): Promise<CallerIdentity> {
    const client = this.client(credentials);
    const response = await this.retry('GetCallerIdentity', () =>
      client.send(new GetCallerIdentityCommand({}))
    );
    if (!response.Account || !response.Arn) {
      throw new Error('STS answered GetCallerIdentity without an account or ARN.');
    }
    return { account: response.Account, arn: response.Arn, userId: response.UserId ?? '' };
  }
}
