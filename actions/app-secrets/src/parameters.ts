import {
  DescribeParametersCommand,
  PutParameterCommand,
  SSMClient,
  type ParameterMetadata
} from '@aws-sdk/client-ssm';
import { randomBytes } from 'node:crypto';
import { maskSecret } from '../../shared/src/secrets.js';

/** What Parameter Store says about an existing parameter: never its value. */
export interface ExistingParameter {
  name: string;
  type: string;
  /** The KMS key as SSM stored it (as given when it was written; alias/aws/ssm by default). */
  keyId: string | undefined;
  version: number;
}

export function ssmClient(region: string): SSMClient {
  // Credentials and AWS_ENDPOINT_URL_SSM (tests) come from the environment that
  // actions/aws-credentials exported.
  return new SSMClient({ region, maxAttempts: 5 });
}

// DescribeParameters takes at most 50 values in one filter.
const NAMES_PER_CALL = 50;

/**
 * The listed parameters that exist, by name. DescribeParameters returns metadata only, so this
 * needs neither ssm:GetParameter nor kms:Decrypt and no value ever reaches this process.
 */
export async function describeExisting(
  client: SSMClient,
  names: readonly string[]
): Promise<Map<string, ExistingParameter>> {
  const found = new Map<string, ExistingParameter>();
  for (let i = 0; i < names.length; i += NAMES_PER_CALL) {
    const batch = names.slice(i, i + NAMES_PER_CALL);
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new DescribeParametersCommand({
          ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: batch }],
          MaxResults: 50,
          NextToken: nextToken
        })
      );
      for (const p of page.Parameters ?? []) {
        if (p.Name && batch.includes(p.Name)) found.set(p.Name, toExisting(p));
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }
  return found;
}

function toExisting(p: ParameterMetadata): ExistingParameter {
  return { name: p.Name ?? '', type: p.Type ?? '', keyId: p.KeyId, version: p.Version ?? 0 };
}

/** The key part of an ARN (`alias/name` or the key ID), so `alias/x` equals its alias ARN. */
export function normalizeKey(key: string): string {
  const arn = /^arn:[^:]+:kms:[^:]*:\d*:(.+)$/.exec(key);
  const rest = arn?.[1] ?? key;
  return rest.startsWith('key/') ? rest.slice('key/'.length) : rest;
}

/**
 * Whether SSM's stored KeyId is the wanted key. An alias and the key ID it points to cannot be
 * matched without kms:DescribeKey, which this action does without on purpose; such a mismatch
 * is refused with both spellings in the message (failing closed is the safe side).
 */
export function sameKey(stored: string | undefined, wanted: string): boolean {
  return stored !== undefined && normalizeKey(stored) === normalizeKey(wanted);
}

/** Why an existing parameter cannot be kept as it is, or undefined when it can. */
export function keepProblem(existing: ExistingParameter, kmsKey: string): string | undefined {
  if (existing.type !== 'SecureString') {
    return (
      `${existing.name} exists as a plain ${existing.type || 'parameter'}, readable by anyone ` +
      'allowed ssm:GetParameter. Parameter Store cannot turn it into a SecureString, and its value ' +
      `must not be reused: delete it (aws ssm delete-parameter --name ${existing.name}) and run ` +
      'again to create a new SecureString under the key.'
    );
  }
  if (!sameKey(existing.keyId, kmsKey)) {
    return (
      `${existing.name} is a SecureString under the KMS key "${existing.keyId ?? 'alias/aws/ssm'}", ` +
      `not "${kmsKey}". List it in "rotate" once to replace it with a new value under ` +
      `"${kmsKey}", or keep its value by re-encrypting it yourself (an administrator: aws ssm ` +
      `put-parameter --overwrite --type SecureString --key-id ${kmsKey} --name ${existing.name} ` +
      `--value "$(aws ssm get-parameter --with-decryption --name ${existing.name} --query ` +
      'Parameter.Value --output text)"). If both names mean the same key, pass kms-key spelled ' +
      'as stored.'
    );
  }
  return undefined;
}

/** A new random value, masked before anything else can see it. */
export function newSecretValue(length: number): string {
  const value = randomBytes(length).toString('base64url');
  maskSecret(value);
  return value;
}

export interface WriteRequest {
  name: string;
  kmsKey: string;
  value: string;
  /** false: create only (ParameterAlreadyExists if someone got there first); true: replace. */
  overwrite: boolean;
  description: string;
}

/** Write a SecureString under the key; returns the new version. */
export async function writeSecureString(client: SSMClient, request: WriteRequest): Promise<number> {
  const result = await client.send(
    new PutParameterCommand({
      Name: request.name,
      Type: 'SecureString',
      KeyId: request.kmsKey,
      Value: request.value,
      Overwrite: request.overwrite,
      Description: request.description,
      Tier: 'Standard'
    })
  );
  return result.Version ?? 0;
}
