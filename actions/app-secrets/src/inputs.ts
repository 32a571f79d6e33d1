import * as core from '@actions/core';
import { ConfigurationError } from '../../shared/src/errors.js';
import { getIntegerInput, getOptionalInput, getRequiredInput } from '../../shared/src/inputs.js';
import { DEFAULT_LENGTH, Input, MAX_LENGTH, MIN_LENGTH } from './constants.js';

/** Everything the action needs, validated before any AWS call. */
export interface AppSecretsInputs {
  region: string;
  /** Parameter names in the order given, without duplicates. */
  parameters: string[];
  /** The KMS key as given (alias, key ID or ARN); new values are encrypted under it. */
  kmsKey: string;
  /** Bytes of randomness in each new value. */
  length: number;
  /** Names (all also in `parameters`) to give a new value now. */
  rotate: string[];
}

// Parameter Store's rules for a name: letters, digits, . - _ and / only; at most 15 levels;
// at most 1011 characters; no name under the reserved aws/ssm prefixes.
const NAME_CHARACTERS = /^[A-Za-z0-9_.\-/]+$/;
const MAX_NAME_LENGTH = 1011;
const MAX_LEVELS = 15;
const RESERVED_PREFIX = /^\/?(aws|ssm)/i;

/** Why a parameter name breaks Parameter Store's rules, or undefined when it is a legal one. */
export function nameProblem(name: string): string | undefined {
  if (!name.startsWith('/')) return 'must start with /';
  if (!NAME_CHARACTERS.test(name)) {
    return 'may hold only letters, digits, ".", "-", "_" and "/"';
  }
  if (name.endsWith('/') || name.includes('//')) return 'has an empty path level';
  if (name.length > MAX_NAME_LENGTH) return `is longer than ${MAX_NAME_LENGTH} characters`;
  if (name.split('/').length - 1 > MAX_LEVELS) return `has more than ${MAX_LEVELS} levels`;
  if (RESERVED_PREFIX.test(name)) return 'starts with the reserved prefix aws or ssm';
  return undefined;
}

/**
 * One name per line; blank lines and `#` comments are skipped. The error names the input, the
 * line number (counting every line) and the rule, so the workflow author finds the line at once.
 */
export function parseNames(input: string, raw: string): string[] {
  const names: string[] = [];
  const lines = raw.split(/\r?\n/);
  lines.forEach((line, index) => {
    const name = line.trim();
    if (name === '' || name.startsWith('#')) return;
    const problem = nameProblem(name);
    if (problem !== undefined) {
      throw new ConfigurationError(
        `Input "${input}", line ${index + 1}: "${name}" is not an SSM parameter name: it ${problem}.`
      );
    }
    if (names.includes(name)) {
      throw new ConfigurationError(
        `Input "${input}", line ${index + 1}: "${name}" is listed twice.`
      );
    }
    names.push(name);
  });
  return names;
}

const KEY_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
const ALIAS = /^alias\/[A-Za-z0-9/_-]{1,250}$/;
const KEY_ARN =
  /^arn:aws[a-z-]*:kms:[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d:\d{12}:(key\/([0-9a-f-]{36}|mrk-[0-9a-f]{32})|alias\/[A-Za-z0-9/_-]{1,250})$/;

/**
 * A KMS key as SSM's KeyId takes it: alias, key ID, key ARN or alias ARN. The AWS-managed
 * aws/ssm key is refused: its key policy lets every principal of the account decrypt.
 */
export function parseKmsKey(input: string, raw: string): string {
  const key = raw.trim();
  if (!KEY_ID.test(key) && !ALIAS.test(key) && !KEY_ARN.test(key)) {
    throw new ConfigurationError(
      `Input "${input}" must be a KMS key alias (alias/ecommerce-parameters), key ID or key/alias ARN, got "${key}".`
    );
  }
  if (/(^|:)alias\/aws\//.test(key)) {
    throw new ConfigurationError(
      `Input "${input}" names the AWS-managed key "${key}", which every principal of the account ` +
        'may use to decrypt: give the customer-managed key terraform/bootstrap creates ' +
        '(alias/<project>-parameters).'
    );
  }
  return key;
}

/** Names to rotate: legal names that are also in `parameters`. */
export function parseRotate(input: string, raw: string, parameters: readonly string[]): string[] {
  const names = parseNames(input, raw);
  const lines = raw.split(/\r?\n/).map((line) => line.trim());
  for (const name of names) {
    if (!parameters.includes(name)) {
      throw new ConfigurationError(
        `Input "${input}", line ${lines.indexOf(name) + 1}: "${name}" is not listed in "${Input.Parameters}".`
      );
    }
  }
  return names;
}

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

export function readInputs(): AppSecretsInputs {
  const region = getOptionalInput(Input.AwsRegion) ?? process.env.AWS_REGION ?? '';
  if (!REGION.test(region)) {
    throw new ConfigurationError(
      `Input "${Input.AwsRegion}" (or AWS_REGION) must be an AWS region such as us-east-1, got "${region}".`
    );
  }
  // Untrimmed, so the line numbers in errors match the workflow's block.
  const rawParameters = core.getInput(Input.Parameters, { trimWhitespace: false });
  if (rawParameters.trim() === '') getRequiredInput(Input.Parameters); // throws the usual message
  const parameters = parseNames(Input.Parameters, rawParameters);
  if (parameters.length === 0) {
    throw new ConfigurationError(`Input "${Input.Parameters}" lists no parameter name.`);
  }
  return {
    region,
    parameters,
    kmsKey: parseKmsKey(Input.KmsKey, getRequiredInput(Input.KmsKey)),
    length: getIntegerInput(Input.Length, {
      defaultValue: DEFAULT_LENGTH,
      min: MIN_LENGTH,
      max: MAX_LENGTH
    }),
    rotate: parseRotate(
      Input.Rotate,
      core.getInput(Input.Rotate, { trimWhitespace: false }),
      parameters
    )
  };
}
