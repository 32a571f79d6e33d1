import type { TokenClaims } from './token.js';

/** The IAM condition-key prefix for a token issuer: its URL without the scheme. */
export function issuerKey(claims: TokenClaims): string {
  return (claims.iss ?? 'https://token.actions.githubusercontent.com').replace(/^https:\/\//, '');
}

/** The trust-policy condition that would let exactly this token assume the role. */
export function trustConditionFor(claims: TokenClaims, audience: string): string {
  const key = issuerKey(claims);
  return JSON.stringify(
    {
      StringEquals: { [`${key}:aud`]: audience },
      StringLike: { [`${key}:sub`]: claims.sub ?? '<the token has no sub claim>' }
    },
    null,
    2
  );
}

interface AwsErrorShape {
  name?: string;
  Code?: string;
  message?: string;
}

function awsCode(error: unknown): string {
  const e = error as AwsErrorShape | undefined;
  return e?.name ?? e?.Code ?? '';
}

/**
 * Turn STS's terse refusals into what the person has to change. Returns undefined for errors
 * that need no explanation beyond their own message.
 */
export function explainAssumeRoleError(
  error: unknown,
  claims: TokenClaims,
  roleArn: string,
  audience: string
): string | undefined {
  const code = awsCode(error);
  const message = (error as AwsErrorShape | undefined)?.message ?? '';
  const issuer = claims.iss ?? 'https://token.actions.githubusercontent.com';

  if (code === 'InvalidIdentityTokenException' || code === 'InvalidIdentityToken') {
    if (/No OpenIDConnect provider found/i.test(message)) {
      return (
        `The AWS account of ${roleArn} has no IAM OIDC identity provider for ${issuer}. ` +
        `Create one once (URL ${issuer}, audience "${audience}") — terraform/bootstrap does this ` +
        'along with the deploy role — and try again.'
      );
    }
    if (/audience/i.test(message)) {
      return (
        `AWS refused the token's audience "${audience}": the IAM OIDC provider for ${issuer} ` +
        `must list "${audience}" as a client ID (audience).`
      );
    }
    return undefined;
  }

  if (code === 'AccessDenied' || code === 'AccessDeniedException') {
    return (
      `The trust policy of ${roleArn} does not allow this workflow to assume it. The token's ` +
      `subject is:\n  sub = ${claims.sub ?? '(none)'}\n` +
      'A statement allowing sts:AssumeRoleWithWebIdentity for the federated principal ' +
      `arn:aws:iam::<account>:oidc-provider/${issuerKey(claims)} needs a condition that ` +
      `matches it, for example:\n${trustConditionFor(claims, audience)}\n` +
      'Deploys from a protected environment have sub "repo:<owner>/<repo>:environment:<name>" ' +
      'instead of the branch ref.'
    );
  }

  if (code === 'IDPRejectedClaimException' || code === 'IDPRejectedClaim') {
    return `AWS rejected a claim of the token (sub ${claims.sub ?? '(none)'}): ${message}`;
  }
  if (code === 'ExpiredTokenException' || code === 'ExpiredToken') {
    return 'AWS says the OIDC token has expired; check the runner clock and re-run the job.';
  }
  return undefined;
}
