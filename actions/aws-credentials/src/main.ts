import * as core from '@actions/core';
import { ConfigurationError, errorMessage } from '../../shared/src/errors.js';
import { maskSecret } from '../../shared/src/secrets.js';
import { appendSummary, markdownTable } from '../../shared/src/summary.js';
import { Output } from './constants.js';
import { explainAssumeRoleError } from './explain.js';
import { exportCredentials, maskCredentials } from './export.js';
import { type CredentialsInputs, readInputs } from './inputs.js';
import { StsSession, isRetryableStsError } from './sts.js';
import { checkClaims, decodeClaims, requestIdToken } from './token.js';

function refuseAccount(accountId: string, allowed: readonly string[], where: string): void {
  if (allowed.length > 0 && !allowed.includes(accountId)) {
    throw new ConfigurationError(
      `${where} is in AWS account ${accountId}, which is not in "allowed-account-ids" ` +
        `(${allowed.join(', ')}). Nothing was exported. Fix the role ARN, or add the account ` +
        'if deploying there is intended.'
    );
  }
}

/**
 * Assume the role with the job's OIDC token, check the result, and only then export it.
 * Any failure leaves the environment untouched: nothing is exported before every check passed.
 */
export async function run(inputs: CredentialsInputs): Promise<void> {
  // Cheap refusal first: the role's own ARN already names its account.
  refuseAccount(inputs.roleAccountId, inputs.allowedAccountIds, `Role ${inputs.roleArn}`);

  const token = await requestIdToken(inputs.audience);
  maskSecret(token);
  const claims = decodeClaims(token);
  checkClaims(claims, inputs.audience);
  core.info(`OIDC token for ${claims.sub ?? '(no sub claim)'} (audience ${inputs.audience})`);

  const sts = new StsSession({
    region: inputs.region,
    endpoint: inputs.stsEndpoint,
    timeoutMs: inputs.timeoutMs
  });

  let assumed;
  try {
    assumed = await sts.assumeRole(
      inputs.roleArn,
      inputs.sessionName,
      token,
      inputs.durationSeconds
    );
  } catch (error) {
    const explanation = explainAssumeRoleError(error, claims, inputs.roleArn, inputs.audience);
    if (explanation) {
      throw new ConfigurationError(`${explanation}\n(STS said: ${errorMessage(error)})`);
    }
    const endpoint =
      inputs.stsEndpoint ?? process.env.AWS_ENDPOINT_URL_STS ?? `STS in ${inputs.region}`;
    const transient = isRetryableStsError(error) || isRetryableStsError((error as Error).cause);
    const hint = transient ? ` No usable answer from ${endpoint}.` : '';
    throw new Error(
      `Could not assume ${inputs.roleArn} with the OIDC token: ${errorMessage(error)}.${hint}`
    );
  }
  maskCredentials(assumed.credentials);

  const identity = await sts.callerIdentity(assumed.credentials).catch((error: unknown) => {
    throw new Error(
      `The new credentials did not work for GetCallerIdentity: ${errorMessage(error)}`
    );
  });
  refuseAccount(identity.account, inputs.allowedAccountIds, `The assumed role ${identity.arn}`);

  exportCredentials(assumed.credentials, inputs.region);
  core.setOutput(Output.AccountId, identity.account);
  core.setOutput(Output.AssumedRoleArn, identity.arn);
  core.info(`Credentials for ${identity.arn} exported for later steps (region ${inputs.region}).`);

  const expires = assumed.credentials.expiration?.toISOString() ?? 'unknown';
  await appendSummary(
    [
      '### AWS credentials',
      '',
      markdownTable(
        ['Role', 'Session', 'Account', 'Assumed role', 'Region', 'Expires'],
        [
          [
            inputs.roleArn,
            inputs.sessionName,
            identity.account,
            identity.arn,
            inputs.region,
            expires
          ]
        ]
      ),
      '',
      `Token subject: \`${claims.sub ?? '(none)'}\``,
      ''
    ].join('\n')
  );
}

/** Read the inputs, then run. */
export async function main(): Promise<void> {
  await run(readInputs());
}
