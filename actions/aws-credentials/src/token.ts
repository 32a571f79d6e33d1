import * as core from '@actions/core';
import { ConfigurationError, errorMessage } from '../../shared/src/errors.js';

/** The claims of a GitHub Actions OIDC token this action reads. */
export interface TokenClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  iat?: number;
  repository?: string;
  ref?: string;
  environment?: string;
  job_workflow_ref?: string;
  [claim: string]: unknown;
}

/**
 * Ask the runner for an OIDC token. Without `permissions: id-token: write` the runner does not
 * set ACTIONS_ID_TOKEN_REQUEST_URL at all, which is the single most common failure of OIDC
 * credentials actions, so that case gets its own message before any request.
 */
export async function requestIdToken(audience: string): Promise<string> {
  if (!process.env.ACTIONS_ID_TOKEN_REQUEST_URL || !process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
    throw new ConfigurationError(
      'No OIDC token available: ACTIONS_ID_TOKEN_REQUEST_URL is not set. Give the job ' +
        '`permissions: id-token: write` (and `contents: read`) in the workflow; a job that sets ' +
        'any permissions gets no token unless it lists id-token: write. Pull requests from forks ' +
        'never get one.'
    );
  }
  try {
    return await core.getIDToken(audience);
  } catch (error) {
    throw new Error(`Could not get an OIDC token from the runner: ${errorMessage(error)}`);
  }
}

/**
 * Decode a JWT's claims without verifying the signature: the token comes straight from the
 * runner over TLS and AWS verifies it; we only read it to fail early and to explain failures.
 */
export function decodeClaims(token: string): TokenClaims {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) {
    throw new Error('The runner returned an OIDC token that is not a JWT (expected three parts).');
  }
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (typeof claims !== 'object' || claims === null) throw new Error('claims are not an object');
    return claims as TokenClaims;
  } catch (error) {
    throw new Error(`Could not read the OIDC token's claims: ${errorMessage(error)}`);
  }
}

/** Seconds of validity a token needs left to be worth sending (clock skew, slow retries). */
const MIN_REMAINING_SECONDS = 30;

/**
 * Refuse a token AWS would refuse anyway, with a message that says why: expired (or about to
 * be), or issued for another audience than the one the role's trust policy checks.
 */
export function checkClaims(claims: TokenClaims, audience: string, nowMs = Date.now()): void {
  const now = Math.floor(nowMs / 1000);
  if (typeof claims.exp !== 'number') {
    throw new ConfigurationError('The OIDC token has no "exp" claim; AWS would refuse it.');
  }
  if (claims.exp - MIN_REMAINING_SECONDS <= now) {
    const when = new Date(claims.exp * 1000).toISOString();
    throw new ConfigurationError(
      `The OIDC token expired at ${when} (now ${new Date(nowMs).toISOString()}). ` +
        'Tokens live a few minutes: request it right before assuming the role, and check the ' +
        "runner's clock."
    );
  }
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(audience)) {
    throw new ConfigurationError(
      `The OIDC token's audience is ${JSON.stringify(claims.aud ?? null)}, not "${audience}" as ` +
        'requested by the "audience" input. The IAM OIDC provider and the role\'s trust policy ' +
        `must both use "${audience}".`
    );
  }
}
