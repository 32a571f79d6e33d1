import { describe, expect, it } from '@jest/globals';
import { keepProblem, normalizeKey, sameKey } from '../src/parameters.js';

const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY_ARN = `arn:aws:kms:us-east-1:123456789012:key/${KEY_ID}`;
const ALIAS = 'alias/ecommerce-parameters';
const ALIAS_ARN = `arn:aws:kms:us-east-1:123456789012:${ALIAS}`;

describe('the key an existing parameter is under', () => {
  it('an alias equals its alias ARN, a key ID its key ARN', () => {
    expect(normalizeKey(ALIAS_ARN)).toBe(ALIAS);
    expect(normalizeKey(KEY_ARN)).toBe(KEY_ID);
    expect(sameKey(ALIAS_ARN, ALIAS)).toBe(true);
    expect(sameKey(KEY_ID, KEY_ARN)).toBe(true);
  });

  it('the default key, another key, or an alias against a key ID do not match', () => {
    expect(sameKey('alias/aws/ssm', ALIAS)).toBe(false);
    expect(sameKey(undefined, ALIAS)).toBe(false);
    expect(sameKey('alias/other', ALIAS)).toBe(false);
    // Without kms:DescribeKey the action cannot tell; it refuses rather than guess.
    expect(sameKey(KEY_ID, ALIAS)).toBe(false);
  });

  it('a plain String is never kept, and the message says how to replace it', () => {
    const problem = keepProblem(
      { name: '/ecommerce/app/x', type: 'String', keyId: undefined, version: 3 },
      ALIAS
    );
    expect(problem).toContain('/ecommerce/app/x exists as a plain String');
    expect(problem).toContain('aws ssm delete-parameter --name /ecommerce/app/x');
  });

  it('a SecureString under another key names both keys and the way out', () => {
    const problem = keepProblem(
      { name: '/ecommerce/app/x', type: 'SecureString', keyId: 'alias/aws/ssm', version: 1 },
      ALIAS
    );
    expect(problem).toContain(
      'under the KMS key "alias/aws/ssm", not "alias/ecommerce-parameters"'
    );
    expect(problem).toContain('List it in "rotate" once');
  });

  it('a SecureString under the key is kept', () => {
    expect(
      keepProblem({ name: '/x', type: 'SecureString', keyId: ALIAS, version: 1 }, ALIAS)
    ).toBeUndefined();
  });
});
