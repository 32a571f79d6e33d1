import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { runBundle, type BundleRun } from '../../../tests/kit/action-bundle.js';
import { freePort } from '../../../tests/kit/processes.js';
import { startMoto, type MotoServer } from '../../../tests/kit/stand-ins/moto.js';
import {
  startOidcTokenServer,
  type OidcTokenServer
} from '../../../tests/kit/stand-ins/oidc-token-server.js';
import {
  FAULTS,
  startStsFaultProxy,
  type StsFaultProxy
} from '../../../tests/kit/stand-ins/sts-fault-proxy.js';

// The committed bundle, run as the runner runs it, against moto (STS) and a token service
// stand-in that signs real RS256 JWTs.

const ROLE = 'arn:aws:iam::123456789012:role/ecommerce-deploy';
const EXPORTED = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_REGION',
  'AWS_DEFAULT_REGION'
];

let moto: MotoServer;
let tokens: OidcTokenServer;
let proxy: StsFaultProxy;

beforeAll(async () => {
  moto = await startMoto();
  tokens = await startOidcTokenServer();
  proxy = await startStsFaultProxy(moto.endpoint);
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  await tokens?.stop();
  await moto?.stop();
});

function credentialsRun(
  inputs: Record<string, string>,
  env: Record<string, string> = tokens.env
): Promise<BundleRun> {
  return runBundle('aws-credentials', {
    inputs: { 'role-to-assume': ROLE, 'aws-region': 'us-east-1', ...inputs },
    env: { AWS_ENDPOINT_URL_STS: moto.endpoint, ...env }
  });
}

function expectNothingExported(run: BundleRun): void {
  expect(run.exitCode).not.toBe(0);
  expect(run.exportedEnv).toEqual({});
  expect(run.outputs).toEqual({});
  expect(run.state).toEqual({});
}

describe('aws-credentials bundle', () => {
  it('assumes the role with the OIDC token, verifies it, exports masked credentials and clears them in the post step', async () => {
    const run = await credentialsRun({ 'role-session-name': 'deploy-4242' });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(tokens.requests.at(-1)).toEqual({ audience: 'sts.amazonaws.com', authorized: true });

    expect(run.outputs['aws-account-id']).toBe('123456789012');
    expect(run.outputs['assumed-role-arn']).toBe(
      'arn:aws:sts::123456789012:assumed-role/ecommerce-deploy/deploy-4242'
    );
    expect(Object.keys(run.exportedEnv).sort()).toEqual([...EXPORTED].sort());
    expect(run.exportedEnv.AWS_REGION).toBe('us-east-1');
    expect(run.exportedEnv.AWS_DEFAULT_REGION).toBe('us-east-1');
    // Every credential is masked, and none appears in the log in clear.
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) {
      const value = run.exportedEnv[name] ?? '';
      expect(value.length).toBeGreaterThan(8);
      expect(run.masked).toContain(value);
      const unmasked = run.stdout.replace(/^::add-mask::.*$/gm, '');
      expect(unmasked).not.toContain(value);
    }
    expect(run.masked).toContain(tokens.issued.at(-1));
    expect(run.summary).toContain('### AWS credentials');
    expect(run.summary).toContain('repo:octo-org/ecommerce_docker_deployment:ref:refs/heads/main');

    // The exported credentials really work for the next step's SDK client.
    const sts = new STSClient({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      credentials: {
        accessKeyId: run.exportedEnv.AWS_ACCESS_KEY_ID ?? '',
        secretAccessKey: run.exportedEnv.AWS_SECRET_ACCESS_KEY ?? '',
        sessionToken: run.exportedEnv.AWS_SESSION_TOKEN ?? ''
      }
    });
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe(run.outputs['assumed-role-arn']);

    const post = await runBundle('aws-credentials', { entry: 'post', state: run.state });
    expect(post.exitCode).toBe(0);
    expect(post.exportedEnv).toEqual(Object.fromEntries(EXPORTED.map((name) => [name, ''])));
    expect(post.stdout).toContain('cannot unset');
  });

  it('malformed role ARN: fails naming "role-to-assume" before asking for a token', async () => {
    const before = tokens.requests.length;
    const run = await credentialsRun({ 'role-to-assume': 'arn:aws:iam::12345:role/x' });
    expectNothingExported(run);
    expect(run.errors[0]).toContain('Input "role-to-assume" must be an IAM role ARN');
    expect(run.errors[0]).toContain('arn:aws:iam::12345:role/x');
    expect(tokens.requests.length).toBe(before);
  });

  it('no id-token permission: says to add `permissions: id-token: write`', async () => {
    const run = await credentialsRun({}, {});
    expectNothingExported(run);
    expect(run.errors[0]).toContain('id-token: write');
    expect(run.errors[0]).toContain('ACTIONS_ID_TOKEN_REQUEST_URL is not set');
  });

  it('expired token: refused before STS is called, nothing exported', async () => {
    const expired = await startOidcTokenServer({
      claims: { exp: Math.floor(Date.now() / 1000) - 60 }
    });
    try {
      const run = await credentialsRun({ 'sts-endpoint': proxy.endpoint }, expired.env);
      const calls = proxy.actions.length;
      expectNothingExported(run);
      expect(run.errors[0]).toMatch(/The OIDC token expired at \d{4}-/);
      expect(proxy.actions.length).toBe(calls);
    } finally {
      await expired.stop();
    }
  });

  it('wrong-audience token: refused naming the audience the trust policy needs', async () => {
    const wrong = await startOidcTokenServer({ claims: { aud: 'https://github.com/octo-org' } });
    try {
      const run = await credentialsRun({}, wrong.env);
      expectNothingExported(run);
      expect(run.errors[0]).toContain(`audience is "https://github.com/octo-org"`);
      expect(run.errors[0]).toContain('"sts.amazonaws.com"');
    } finally {
      await wrong.stop();
    }
  });

  it('unreachable STS endpoint: fails within timeout-seconds after retries, nothing exported', async () => {
    const closedPort = await freePort();
    const started = Date.now();
    const run = await credentialsRun({
      'sts-endpoint': `http://127.0.0.1:${closedPort}`,
      'timeout-seconds': '3'
    });
    expectNothingExported(run);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(run.errors[0]).toContain(`Could not assume ${ROLE}`);
    expect(run.errors[0]).toContain('ECONNREFUSED');
    expect(run.errors[0]).toContain(`http://127.0.0.1:${closedPort}`);
  });

  it('account outside allowed-account-ids: refused, nothing exported', async () => {
    const run = await credentialsRun({ 'allowed-account-ids': '210987654321,\n111122223333' });
    expectNothingExported(run);
    expect(run.errors[0]).toContain('123456789012');
    expect(run.errors[0]).toContain('not in "allowed-account-ids"');
  });

  it('allowed-account-ids with a malformed ID: fails naming the input', async () => {
    const run = await credentialsRun({ 'allowed-account-ids': '1234' });
    expectNothingExported(run);
    expect(run.errors[0]).toContain('Input "allowed-account-ids" must list 12-digit');
  });

  it('throttled twice: retries with backoff and succeeds', async () => {
    proxy.queue.push(FAULTS.throttling, FAULTS.throttling);
    const run = await credentialsRun({
      'sts-endpoint': proxy.endpoint,
      'allowed-account-ids': '123456789012'
    });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/AssumeRoleWithWebIdentity: attempt 1 failed \(Rate exceeded\)/);
    expect(run.stdout).toMatch(/attempt 2 failed/);
    expect(run.outputs['aws-account-id']).toBe('123456789012');
  });

  it('trust policy does not match: prints the token sub and the condition it needs', async () => {
    proxy.queue.push(FAULTS.accessDenied);
    const run = await credentialsRun({ 'sts-endpoint': proxy.endpoint });
    expectNothingExported(run);
    const message = run.errors[0] ?? '';
    expect(message).toContain(`The trust policy of ${ROLE} does not allow`);
    expect(message).toContain(
      'sub = repo:octo-org/ecommerce_docker_deployment:ref:refs/heads/main'
    );
    expect(message).toContain('"token.actions.githubusercontent.com:sub"');
    expect(message).toContain('Not authorized to perform sts:AssumeRoleWithWebIdentity');
  });

  it('no OIDC provider in the account: says to create it (terraform/bootstrap)', async () => {
    proxy.queue.push(FAULTS.noProvider);
    const run = await credentialsRun({ 'sts-endpoint': proxy.endpoint });
    expectNothingExported(run);
    expect(run.errors[0]).toContain('has no IAM OIDC identity provider');
    expect(run.errors[0]).toContain('terraform/bootstrap');
  });

  it('post step without saved state: clears nothing', async () => {
    const post = await runBundle('aws-credentials', { entry: 'post' });
    expect(post.exitCode).toBe(0);
    expect(post.exportedEnv).toEqual({});
  });
});
