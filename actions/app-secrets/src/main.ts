import * as core from '@actions/core';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { ConfigurationError, errorMessage } from '../../shared/src/errors.js';
import { appendSummary, markdownTable } from '../../shared/src/summary.js';
import { Output } from './constants.js';
import { type AppSecretsInputs, readInputs } from './inputs.js';
import {
  describeExisting,
  type ExistingParameter,
  keepProblem,
  newSecretValue,
  ssmClient,
  writeSecureString
} from './parameters.js';

export type Result = 'created' | 'kept' | 'rotated';

export interface ParameterResult {
  name: string;
  result: Result;
  version: number;
}

// Errors that mean the credentials or the role, not the parameter: waiting or retrying does not
// help, the workflow's permissions or role policy does.
const REFUSED = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredTokenException',
  'InvalidSignatureException',
  'AccessDeniedException',
  'AccessDenied',
  'CredentialsProviderError'
]);

function permissionsHint(inputs: AppSecretsInputs): string {
  return (
    'The job needs AWS credentials (run actions/aws-credentials first) whose role allows ' +
    'ssm:DescribeParameters, ssm:PutParameter on the parameters and kms:Encrypt and ' +
    `kms:GenerateDataKey on "${inputs.kmsKey}" (never ssm:GetParameter or kms:Decrypt).`
  );
}

/** An AWS error with what was being done, as a ConfigurationError when the user can fix it. */
function awsFailure(error: unknown, doing: string, inputs: AppSecretsInputs): Error {
  if (error instanceof ConfigurationError) return error;
  const name = (error as Error).name;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  // An error body the SDK cannot parse (a proxy's page, moto's XML) leaves only the status.
  const detail =
    name === 'SyntaxError' && status !== undefined
      ? `HTTP ${status}, with an error body the SDK could not read`
      : `${name}: ${errorMessage(error)}`;
  if (REFUSED.has(name) || status === 401 || status === 403) {
    return new ConfigurationError(`AWS refused ${doing} (${detail}). ${permissionsHint(inputs)}`);
  }
  if (name === 'InvalidKeyId') {
    return new ConfigurationError(
      `SSM could not use the KMS key "${inputs.kmsKey}" while ${doing} (${detail}). Check ` +
        'kms-key: the key must exist in this region and account, be enabled and symmetric, and ' +
        'its key policy must let this role encrypt (terraform/bootstrap creates alias/<project>-parameters).'
    );
  }
  return new Error(`${doing}: ${detail}`);
}

function list(names: readonly string[]): string {
  return names.length ? names.join(', ') : 'none';
}

/** What the run already did, for a failure part-way; nothing is undone. */
function doneSoFar(results: readonly ParameterResult[]): string {
  const created = results.filter((r) => r.result === 'created').map((r) => r.name);
  const rotated = results.filter((r) => r.result === 'rotated').map((r) => r.name);
  return (
    `Already created by this run: ${list(created)}; already rotated: ${list(rotated)}. ` +
    'Nothing was rolled back: creating is idempotent (the next run keeps what exists and creates ' +
    'the rest), and a rotated value is already in place.'
  );
}

function resultsTable(results: readonly ParameterResult[], kmsKey: string): string {
  return markdownTable(
    ['Parameter', 'Result', 'Version', 'KMS key'],
    results.map((r) => [r.name, r.result, r.version, kmsKey])
  );
}

function describeFor(result: Result, length: number): string {
  return `Random secret (${length} bytes, base64url) ${result} by actions/app-secrets; never printed.`;
}

/**
 * Make sure every listed parameter exists as a SecureString under the key: create the missing
 * ones from random bytes, keep the others untouched (their values are never read), replace the
 * ones listed in `rotate`. Refuses, before writing anything, a parameter it cannot keep safely.
 */
export async function run(
  inputs: AppSecretsInputs,
  client: SSMClient = ssmClient(inputs.region)
): Promise<ParameterResult[]> {
  let existing: Map<string, ExistingParameter>;
  try {
    existing = await describeExisting(client, inputs.parameters);
  } catch (error) {
    throw awsFailure(
      error,
      `describing the parameters ${inputs.parameters.join(', ')} (ssm:DescribeParameters)`,
      inputs
    );
  }

  // Every refusal before any write, so a bad parameter never leaves the others half done.
  const problems = inputs.parameters.flatMap((name) => {
    const found = existing.get(name);
    if (found === undefined) return [];
    // Rotation replaces value and key, but cannot turn a plain String into a SecureString.
    if (inputs.rotate.includes(name) && found.type === 'SecureString') return [];
    return [keepProblem(found, inputs.kmsKey)].filter((p): p is string => p !== undefined);
  });
  if (problems.length > 0) {
    throw new ConfigurationError(`${problems.join('\n')}\nNothing was written.`);
  }

  const results: ParameterResult[] = [];
  const fail = async (name: string, error: unknown, doing: string): Promise<never> => {
    const failure = awsFailure(error, `${doing} ${name}`, inputs);
    await appendSummary(
      [
        '### App secrets — ❌ failed',
        '',
        `Failed at ${name}. ${doneSoFar(results)}`,
        '',
        ...(results.length ? [resultsTable(results, inputs.kmsKey), ''] : [])
      ].join('\n')
    );
    failure.message = `${failure.message}\n${doneSoFar(results)}`;
    throw failure;
  };

  for (const name of inputs.parameters) {
    const found = existing.get(name);
    if (found !== undefined && !inputs.rotate.includes(name)) {
      results.push({ name, result: 'kept', version: found.version });
      core.info(`kept ${name} (version ${found.version}; its value was not read)`);
      continue;
    }
    const result: Result = found === undefined ? 'created' : 'rotated';
    const value = newSecretValue(inputs.length);
    let version: number;
    try {
      version = await writeSecureString(client, {
        name,
        kmsKey: inputs.kmsKey,
        value,
        overwrite: result === 'rotated',
        description: describeFor(result, inputs.length)
      });
    } catch (error) {
      if ((error as Error).name !== 'ParameterAlreadyExists') {
        return fail(name, error, result === 'created' ? 'creating' : 'rotating');
      }
      // Someone else created it since we looked: theirs stands, if it is safe to keep.
      let raced: ExistingParameter | undefined;
      try {
        raced = (await describeExisting(client, [name])).get(name);
      } catch (describeError) {
        return fail(name, describeError, 'describing');
      }
      const problem = raced ? keepProblem(raced, inputs.kmsKey) : undefined;
      if (problem !== undefined) {
        return fail(name, new ConfigurationError(problem), 'keeping');
      }
      results.push({ name, result: 'kept', version: raced?.version ?? 0 });
      core.info(`kept ${name} (created by someone else meanwhile; its value was not read)`);
      continue;
    }
    results.push({ name, result, version });
    core.info(`${result} ${name} (SecureString under ${inputs.kmsKey}, version ${version})`);
  }
  return results;
}

export async function main(): Promise<void> {
  const inputs = readInputs();
  const results = await run(inputs);
  const names = (result: Result): string =>
    results
      .filter((r) => r.result === result)
      .map((r) => r.name)
      .join(',');
  core.setOutput(Output.Created, names('created'));
  core.setOutput(Output.Kept, names('kept'));
  core.setOutput(Output.Rotated, names('rotated'));
  const count = (result: Result): number => results.filter((r) => r.result === result).length;
  await appendSummary(
    [
      '### App secrets — ✅',
      '',
      `${count('created')} created, ${count('kept')} kept, ${count('rotated')} rotated; ` +
        `SecureStrings under ${inputs.kmsKey}. No value was read or printed.`,
      '',
      resultsTable(results, inputs.kmsKey),
      ''
    ].join('\n')
  );
}
