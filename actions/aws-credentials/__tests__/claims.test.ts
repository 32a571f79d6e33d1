import { describe, expect, it } from '@jest/globals';
import { explainAssumeRoleError, trustConditionFor } from '../src/explain.js';
import { parseRoleArn } from '../src/inputs.js';
import { isRetryableStsError } from '../src/sts.js';
import { checkClaims, decodeClaims } from '../src/token.js';

const now = Date.UTC(2026, 10, 26, 2, 0, 0);
const claims = {
  iss: 'https://token.actions.githubusercontent.com',
  sub: 'repo:octo-org/shop:environment:production',
  aud: 'sts.amazonaws.com',
  exp: now / 1000 + 300
};

describe('token claims', () => {
  it('decodes a JWT payload without verifying it', () => {
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    expect(decodeClaims(`eyJhbGciOiJSUzI1NiJ9.${payload}.sig`)).toEqual(claims);
  });

  it('a token that is not a JWT: says so', () => {
    expect(() => decodeClaims('not-a-jwt')).toThrow('not a JWT');
  });

  it('accepts a fresh token for the requested audience, including in an audience list', () => {
    expect(() => checkClaims(claims, 'sts.amazonaws.com', now)).not.toThrow();
    expect(() =>
      checkClaims({ ...claims, aud: ['x', 'sts.amazonaws.com'] }, 'sts.amazonaws.com', now)
    ).not.toThrow();
  });

  it('a token with less than 30 s left: refused as expired', () => {
    expect(() =>
      checkClaims({ ...claims, exp: now / 1000 + 10 }, 'sts.amazonaws.com', now)
    ).toThrow('The OIDC token expired at 2026-11-26T02:00:10.000Z');
  });

  it('a token without exp: refused', () => {
    expect(() => checkClaims({ ...claims, exp: undefined }, 'sts.amazonaws.com', now)).toThrow(
      'no "exp" claim'
    );
  });
});

describe('role ARN', () => {
  it.each([
    'arn:aws:iam::123456789012:role/deploy',
    'arn:aws:iam::123456789012:role/service-role/ci/deploy',
    'arn:aws-us-gov:iam::123456789012:role/deploy'
  ])('accepts %s', (arn) => {
    expect(parseRoleArn(arn).accountId).toBe('123456789012');
  });

  it.each([
    'deploy',
    'arn:aws:iam::123456789012:user/deploy',
    'arn:aws:sts::123456789012:assumed-role/deploy/x',
    'arn:aws:iam::1234567890:role/deploy',
    'arn:aws:iam::123456789012:role/'
  ])('rejects %s naming the input', (arn) => {
    expect(() => parseRoleArn(arn)).toThrow('Input "role-to-assume" must be an IAM role ARN');
  });
});

describe('explanations of STS refusals', () => {
  it('prints the trust condition for this token', () => {
    expect(JSON.parse(trustConditionFor(claims, 'sts.amazonaws.com'))).toEqual({
      StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
      StringLike: {
        'token.actions.githubusercontent.com:sub': 'repo:octo-org/shop:environment:production'
      }
    });
  });

  it('leaves unrelated errors to their own message', () => {
    const error = Object.assign(new Error('Role session name too long'), {
      name: 'ValidationError'
    });
    expect(explainAssumeRoleError(error, claims, 'arn', 'sts.amazonaws.com')).toBeUndefined();
  });

  it('retries throttling, 5xx and network errors, not refusals', () => {
    expect(isRetryableStsError({ name: 'Throttling' })).toBe(true);
    expect(isRetryableStsError({ name: 'X', $metadata: { httpStatusCode: 503 } })).toBe(true);
    expect(isRetryableStsError({ code: 'ECONNRESET' })).toBe(true);
    expect(isRetryableStsError({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })).toBe(
      false
    );
    expect(isRetryableStsError({ name: 'InvalidIdentityTokenException' })).toBe(false);
  });
});
