import { spawn, type ChildProcess } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../processes.js';
import { repoRoot } from '../action-bundle.js';

/**
 * moto in server mode: a local implementation of the AWS APIs (STS, EC2, ...) that the real AWS
 * SDK clients talk to over HTTP. Started per test file on a free loopback port, stopped after.
 */
export interface MotoServer {
  /** e.g. http://127.0.0.1:54321 — use as the endpoint of any AWS client. */
  endpoint: string;
  port: number;
  /** Forget every resource created so far (moto's reset API). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export const MOTO_SERVER = path.join(repoRoot, '.venv-tools/bin/moto_server');

async function waitUntilAnswering(endpoint: string, child: ChildProcess, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`moto_server did not answer at ${endpoint} within ${timeoutMs} ms`);
}

/** Start `moto_server -H 127.0.0.1 -p <free port>` from .venv-tools. */
export async function startMoto(
  options: {
    timeoutMs?: number;
    /**
     * moto_server's environment beside the dummy keys, e.g. INITIAL_NO_AUTH_ACTION_COUNT: after
     * that many unauthenticated calls (a test's setup), moto enforces IAM on every request.
     */
    env?: NodeJS.ProcessEnv;
  } = {}
): Promise<MotoServer> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (!existsSync(MOTO_SERVER)) {
    throw new Error(
      `${MOTO_SERVER} is missing: create .venv-tools with ensure_tools_venv ` +
        '(scripts/lib/common.sh), which installs moto[server].'
    );
  }
  // Two tests starting at once could race for a port; a retry with a new port covers it.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    // moto logs every request. To a file, not a pipe: a test making synchronous calls (execFileSync
    // of the AWS CLI or boto3) does not run its event loop, a pipe would fill (64 KiB) and moto
    // would stop mid-request, waiting for a reader that is waiting for it.
    const logDir = mkdtempSync(path.join(tmpdir(), 'moto-'));
    const logFile = path.join(logDir, 'moto.log');
    const log = openSync(logFile, 'w');
    const child = spawn(MOTO_SERVER, ['-H', '127.0.0.1', '-p', String(port)], {
      stdio: ['ignore', 'ignore', log],
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        ...options.env
      }
    });
    closeSync(log);
    child.once('exit', () => rmSync(logDir, { recursive: true, force: true }));
    try {
      await waitUntilAnswering(endpoint, child, timeoutMs);
    } catch (error) {
      const tail = readFileSync(logFile, 'utf8').slice(-4000);
      child.kill('SIGKILL');
      lastError = new Error(`${(error as Error).message}\n${tail}`);
      continue;
    }
    return {
      endpoint,
      port,
      reset: async () => {
        await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      },
      stop: () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        })
    };
  }
  throw lastError;
}

/**
 * A KMS key with an alias in moto (what terraform/bootstrap creates for the parameters), over
 * KMS's JSON API: the project has no KMS client package, and two calls do not justify one.
 */
export async function createMotoKmsKey(
  endpoint: string,
  alias: string,
  region = 'us-east-1'
): Promise<string> {
  const call = async (action: string, body: object): Promise<unknown> => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': `TrentService.${action}`,
        // moto reads the region from the credential scope.
        Authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${region}/kms/aws4_request, SignedHeaders=host, Signature=0`
      },
      body: JSON.stringify(body)
    });
    if (!response.ok)
      throw new Error(`KMS ${action}: HTTP ${response.status} ${await response.text()}`);
    return response.json();
  };
  const created = (await call('CreateKey', { Description: alias })) as {
    KeyMetadata: { KeyId: string };
  };
  await call('CreateAlias', { AliasName: alias, TargetKeyId: created.KeyMetadata.KeyId });
  return created.KeyMetadata.KeyId;
}

/** A request's whole body. */
export function readRequestBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Passes a request a stand-in in front of moto does not answer itself on to moto, as it came
 * (the SDK's signature headers included), and returns moto's answer.
 */
export async function forwardToMoto(
  upstream: string,
  req: IncomingMessage,
  body: Buffer
): Promise<{ status: number; type: string; text: string }> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
  }
  const reply = await fetch(`${upstream}${req.url ?? '/'}`, {
    method: req.method ?? 'POST',
    headers,
    ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: new Uint8Array(body) })
  });
  return {
    status: reply.status,
    type: reply.headers.get('content-type') ?? 'text/xml',
    text: await reply.text()
  };
}
