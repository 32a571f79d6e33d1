import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the runner's OIDC token service: it answers ACTIONS_ID_TOKEN_REQUEST_URL the
 * way the Actions service does (GET with `Authorization: Bearer <request token>` and an
 * `&audience=` query parameter, JSON `{"value": "<jwt>"}`), with a real RS256-signed JWT
 * carrying GitHub's claim set. Tests can skew the claims (expired, wrong audience, another sub).
 */
export interface OidcTokenServer {
  /** The value for ACTIONS_ID_TOKEN_REQUEST_URL (already has a query string, as the runner's). */
  requestUrl: string;
  /** The value for ACTIONS_ID_TOKEN_REQUEST_TOKEN. */
  requestToken: string;
  /** Environment a step needs to get tokens from this server. */
  env: Record<string, string>;
  /** The key the tokens are signed with, to verify them in tests. */
  publicKey: KeyObject;
  keyId: string;
  /** Audiences requested so far, in order. */
  requests: { audience: string | null; authorized: boolean }[];
  /** Tokens issued so far. */
  issued: string[];
  stop(): Promise<void>;
}

export interface OidcTokenServerOptions {
  /** Claims merged over the defaults for every token (e.g. `{ exp: <past> }`, `{ aud: 'x' }`). */
  claims?: Record<string, unknown>;
  repository?: string;
  ref?: string;
  /** Token lifetime in seconds (GitHub's are valid for about five minutes). */
  lifetimeSeconds?: number;
}

const ISSUER = 'https://token.actions.githubusercontent.com';

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/** Sign a JWT with RS256, as GitHub's token service does. */
export function signJwt(
  claims: Record<string, unknown>,
  privateKey: KeyObject,
  keyId: string
): string {
  const header = { typ: 'JWT', alg: 'RS256', x5t: keyId, kid: keyId };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(signingInput), privateKey);
  return `${signingInput}.${base64url(signature)}`;
}

/** GitHub's claims for a push to `ref` in `repository` (see GitHub's OIDC documentation). */
export function githubClaims(
  audience: string,
  options: OidcTokenServerOptions = {}
): Record<string, unknown> {
  const repository = options.repository ?? 'octo-org/ecommerce_docker_deployment';
  const ref = options.ref ?? 'refs/heads/main';
  const now = Math.floor(Date.now() / 1000);
  return {
    jti: randomUUID(),
    sub: `repo:${repository}:ref:${ref}`,
    aud: audience,
    ref,
    sha: '0123456789abcdef0123456789abcdef01234567',
    repository,
    repository_owner: repository.split('/')[0],
    repository_visibility: 'private',
    run_id: '4242',
    run_number: '7',
    run_attempt: '1',
    actor: 'octocat',
    workflow: 'Deploy',
    event_name: 'push',
    ref_type: 'branch',
    job_workflow_ref: `${repository}/.github/workflows/deploy.yml@${ref}`,
    runner_environment: 'github-hosted',
    iss: ISSUER,
    nbf: now - 5,
    iat: now - 5,
    exp: now + (options.lifetimeSeconds ?? 300),
    ...options.claims
  };
}

/** Start the token service on a free loopback port. */
export async function startOidcTokenServer(
  options: OidcTokenServerOptions = {}
): Promise<OidcTokenServer> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyId = randomUUID().replace(/-/g, '').slice(0, 27);
  const requestToken = `request-token-${randomUUID()}`;
  const requests: OidcTokenServer['requests'] = [];
  const issued: string[] = [];

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const authorized = req.headers.authorization === `Bearer ${requestToken}`;
    const audience = url.searchParams.get('audience');
    requests.push({ audience, authorized });
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    if (req.method !== 'GET' || !url.pathname.endsWith('/idtoken')) {
      res.writeHead(404).end(JSON.stringify({ message: 'Not found' }));
      return;
    }
    if (!authorized) {
      res.writeHead(401).end(JSON.stringify({ message: 'Unauthorized' }));
      return;
    }
    // Without an audience parameter the service uses the repository owner's URL.
    const aud =
      audience ?? `https://github.com/${(options.repository ?? 'octo-org/x').split('/')[0]}`;
    const token = signJwt(githubClaims(aud, options), privateKey, keyId);
    issued.push(token);
    res.writeHead(200).end(JSON.stringify({ count: 1, value: token }));
  };

  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const requestUrl =
    `http://127.0.0.1:${port}/_apis/distributedtask/hubs/Actions/plans/${randomUUID()}` +
    `/jobs/${randomUUID()}/idtoken?api-version=2.0`;
  return {
    requestUrl,
    requestToken,
    env: { ACTIONS_ID_TOKEN_REQUEST_URL: requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken },
    publicKey,
    keyId,
    requests,
    issued,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })
  };
}
