import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ConfigurationError } from '../../shared/src/errors.js';
import { nameProblem, parseKmsKey, parseNames, readInputs } from '../src/inputs.js';

// Inputs go through the real path: INPUT_* variables, as the runner sets them.
const setInput = (name: string, value: string): void => {
  process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
};

const GOOD = {
  parameters: '/ecommerce/app/django_secret_key\n/ecommerce/app/card_fingerprint_key\n',
  'kms-key': 'alias/ecommerce-parameters'
};

function setInputs(inputs: Record<string, string>): void {
  for (const [name, value] of Object.entries(inputs)) setInput(name, value);
}

function readError(inputs: Record<string, string>): string {
  setInputs({ ...GOOD, ...inputs });
  try {
    readInputs();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('readInputs accepted the inputs');
}

beforeEach(() => {
  process.env.AWS_REGION = 'eu-west-1';
});

afterEach(() => {
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_')) delete process.env[key];
  delete process.env.AWS_REGION;
});

describe('readInputs', () => {
  it('reads names in order, skips blank and # lines, and applies the defaults', () => {
    setInputs({
      ...GOOD,
      parameters:
        '# the app\n/ecommerce/app/django_secret_key\n\n  /ecommerce/app/card_fingerprint_key  \r\n'
    });
    expect(readInputs()).toEqual({
      region: 'eu-west-1',
      parameters: ['/ecommerce/app/django_secret_key', '/ecommerce/app/card_fingerprint_key'],
      kmsKey: 'alias/ecommerce-parameters',
      length: 48,
      rotate: []
    });
  });

  it('takes length, rotate and aws-region when given', () => {
    setInputs({
      ...GOOD,
      length: '64',
      rotate: '/ecommerce/app/card_fingerprint_key',
      'aws-region': 'us-east-2'
    });
    expect(readInputs()).toMatchObject({
      region: 'us-east-2',
      length: 64,
      rotate: ['/ecommerce/app/card_fingerprint_key']
    });
  });

  it.each([
    [
      'a name without the leading slash, by line',
      { parameters: '/ecommerce/app/a\necommerce/app/b' },
      'Input "parameters", line 2: "ecommerce/app/b" is not an SSM parameter name: it must start with /.'
    ],
    [
      'a character SSM does not allow',
      { parameters: '/ecommerce/app/secret key' },
      'Input "parameters", line 1: "/ecommerce/app/secret key" is not an SSM parameter name: it may hold only letters, digits, ".", "-", "_" and "/".'
    ],
    [
      'comma-separated names (the list is one per line)',
      { parameters: '/ecommerce/app/a,/ecommerce/app/b' },
      'Input "parameters", line 1: "/ecommerce/app/a,/ecommerce/app/b" is not an SSM parameter name: it may hold only'
    ],
    [
      'an empty path level',
      { parameters: '/ecommerce//a' },
      'Input "parameters", line 1: "/ecommerce//a" is not an SSM parameter name: it has an empty path level.'
    ],
    ['a trailing slash', { parameters: '/ecommerce/app/' }, 'it has an empty path level.'],
    [
      'the reserved aws prefix',
      { parameters: '/aws/reference/x' },
      'Input "parameters", line 1: "/aws/reference/x" is not an SSM parameter name: it starts with the reserved prefix aws or ssm.'
    ],
    [
      'more than 15 levels',
      { parameters: `/${Array.from({ length: 16 }, (_, i) => `l${i}`).join('/')}` },
      'it has more than 15 levels.'
    ],
    [
      'a name longer than 1011 characters',
      { parameters: `/${'a'.repeat(1011)}` },
      'it is longer than 1011 characters.'
    ],
    [
      'a name listed twice',
      { parameters: '/ecommerce/app/a\n/ecommerce/app/a' },
      'Input "parameters", line 2: "/ecommerce/app/a" is listed twice.'
    ],
    ['no parameters at all', { parameters: '' }, 'Input "parameters" is required but was empty.'],
    [
      'only comments',
      { parameters: '# nothing yet' },
      'Input "parameters" lists no parameter name.'
    ],
    ['no kms-key', { 'kms-key': '' }, 'Input "kms-key" is required but was empty.'],
    [
      'a kms-key that is no key',
      { 'kms-key': 'ecommerce-parameters' },
      'Input "kms-key" must be a KMS key alias (alias/ecommerce-parameters), key ID or key/alias ARN, got "ecommerce-parameters".'
    ],
    [
      'the AWS-managed aws/ssm key',
      { 'kms-key': 'alias/aws/ssm' },
      'Input "kms-key" names the AWS-managed key "alias/aws/ssm", which every principal of the account may use to decrypt'
    ],
    [
      'the AWS-managed key by ARN',
      { 'kms-key': 'arn:aws:kms:us-east-1:123456789012:alias/aws/ssm' },
      'names the AWS-managed key'
    ],
    ['a length below 32 bytes', { length: '16' }, 'Input "length" must be at least 32, got 16.'],
    [
      'a length above 3072 bytes',
      { length: '4096' },
      'Input "length" must be at most 3072, got 4096.'
    ],
    [
      'a length that is no number',
      { length: '48b' },
      'Input "length" must be a whole number, got "48b".'
    ],
    [
      'a rotate name not in parameters',
      { rotate: '\n/ecommerce/app/other' },
      'Input "rotate", line 2: "/ecommerce/app/other" is not listed in "parameters".'
    ],
    [
      'a bad rotate name',
      { rotate: 'django_secret_key' },
      'Input "rotate", line 1: "django_secret_key" is not an SSM parameter name: it must start with /.'
    ],
    [
      'no region',
      { 'aws-region': 'Europe' },
      'Input "aws-region" (or AWS_REGION) must be an AWS region such as us-east-1, got "Europe".'
    ]
  ])('refuses %s', (_case, inputs, message) => {
    expect(readError(inputs)).toContain(message);
  });

  it('refuses a missing region when AWS_REGION is not set either', () => {
    delete process.env.AWS_REGION;
    expect(readError({})).toBe(
      'Input "aws-region" (or AWS_REGION) must be an AWS region such as us-east-1, got "".'
    );
  });
});

describe('parseKmsKey', () => {
  it.each([
    'alias/ecommerce-parameters',
    '1234abcd-12ab-34cd-56ef-1234567890ab',
    'mrk-1234abcd12ab34cd56ef1234567890ab',
    'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    'arn:aws:kms:eu-west-1:123456789012:alias/ecommerce-parameters',
    'arn:aws-us-gov:kms:us-gov-west-1:123456789012:alias/ecommerce-parameters'
  ])('accepts %s', (key) => {
    expect(parseKmsKey('kms-key', ` ${key} `)).toBe(key);
  });
});

describe('parameter names', () => {
  it('accepts the names the project uses', () => {
    for (const name of [
      '/ecommerce/app/django_secret_key',
      '/ecommerce/app/card_fingerprint_key',
      '/ecommerce/monitoring/grafana_admin_password',
      '/shop-2.test/a_b-c.d'
    ]) {
      expect(nameProblem(name)).toBeUndefined();
    }
    expect(parseNames('parameters', '/a\n/b')).toEqual(['/a', '/b']);
  });
});
