import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DescribeParametersCommand,
  GetParameterCommand,
  PutParameterCommand,
  SSMClient,
  type ParameterMetadata
} from '@aws-sdk/client-ssm';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runBundle, type BundleRun } from '../../../tests/kit/action-bundle.js';
import { createMotoKmsKey, startMoto, type MotoServer } from '../../../tests/kit/stand-ins/moto.js';

// The committed bundle, run as the runner runs it, against moto's SSM and KMS. The test reads
// the values back with its own (moto) credentials, only to prove they exist, differ and never
// reached the log; the action itself never reads one.

const REGION = 'us-east-1';
const KEY = 'alias/ecommerce-parameters';
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };

let moto: MotoServer;
let ssm: SSMClient;

beforeAll(async () => {
  moto = await startMoto();
  ssm = new SSMClient({
    region: REGION,
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }
  });
  await createMotoKmsKey(moto.endpoint, KEY, REGION);
}, 60_000);

afterAll(async () => {
  ssm?.destroy();
  await moto?.stop();
});

/** The project's three names under a prefix of their own, so each test starts clean. */
function names(prefix: string): string[] {
  return [
    `/${prefix}/app/django_secret_key`,
    `/${prefix}/app/card_fingerprint_key`,
    `/${prefix}/monitoring/grafana_admin_password`
  ];
}

function secretsRun(
  inputs: Record<string, string>,
  endpoint: string = moto.endpoint,
  credentials: Record<string, string> = CREDENTIALS
): Promise<BundleRun> {
  return runBundle('app-secrets', {
    inputs: { 'kms-key': KEY, ...inputs },
    env: { AWS_REGION: REGION, AWS_ENDPOINT_URL_SSM: endpoint, ...credentials }
  });
}

async function describe_(parameterNames: string[]): Promise<Map<string, ParameterMetadata>> {
  const result = await ssm.send(
    new DescribeParametersCommand({
      ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: parameterNames }]
    })
  );
  return new Map((result.Parameters ?? []).map((p) => [p.Name ?? '', p]));
}

async function value(name: string): Promise<string> {
  const result = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
  return result.Parameter?.Value ?? '';
}

/** Everything the run left behind that a person or a later step could read. */
function visible(run: BundleRun): string {
  const unmasked = run.stdout.replace(/^::add-mask::.*$/gm, '');
  return [unmasked, run.stderr, run.summary, JSON.stringify(run.outputs)].join('\n');
}

describe('app-secrets bundle', () => {
  it('first run creates every name as a SecureString under the key, values distinct and never printed', async () => {
    const wanted = names('first');
    const run = await secretsRun({ parameters: wanted.join('\n') });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toEqual({ created: wanted.join(','), kept: '', rotated: '' });

    const found = await describe_(wanted);
    for (const name of wanted) {
      expect(found.get(name)).toMatchObject({ Type: 'SecureString', KeyId: KEY, Version: 1 });
    }
    const values = await Promise.all(wanted.map(value));
    expect(new Set(values).size).toBe(3);
    for (const v of values) {
      // 48 random bytes, base64url: 64 characters.
      expect(v).toMatch(/^[A-Za-z0-9_-]{64}$/);
      expect(run.masked).toContain(v);
      expect(visible(run)).not.toContain(v);
    }
    expect(run.summary).toContain('### App secrets — ✅');
    expect(run.summary).toContain(`| ${wanted[0]} | created | 1 | ${KEY} |`);
  });

  it('a second run keeps every name and changes nothing; rotate replaces exactly the named one', async () => {
    const wanted = names('again');
    await secretsRun({ parameters: wanted.join('\n') });
    const before = await Promise.all(wanted.map(value));

    const second = await secretsRun({ parameters: wanted.join('\n') });
    expect(second.exitCode).toBe(0);
    expect(second.outputs).toEqual({ created: '', kept: wanted.join(','), rotated: '' });
    expect(second.masked).toEqual([]);
    expect(await Promise.all(wanted.map(value))).toEqual(before);
    for (const p of (await describe_(wanted)).values()) expect(p.Version).toBe(1);
    expect(second.summary).toContain(`| ${wanted[1]} | kept | 1 | ${KEY} |`);

    const rotated = wanted[1] ?? '';
    const third = await secretsRun({
      parameters: wanted.join('\n'),
      rotate: rotated,
      length: '32'
    });
    expect(third.exitCode).toBe(0);
    expect(third.outputs).toEqual({
      created: '',
      kept: [wanted[0], wanted[2]].join(','),
      rotated
    });
    const after = await Promise.all(wanted.map(value));
    expect(after[0]).toBe(before[0]);
    expect(after[2]).toBe(before[2]);
    expect(after[1]).not.toBe(before[1]);
    expect(after[1]).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 bytes
    expect(visible(third)).not.toContain(after[1]);
    const versions = await describe_(wanted);
    expect([wanted.map((n) => versions.get(n)?.Version)]).toEqual([[1, 2, 1]]);
    expect(versions.get(rotated)).toMatchObject({ Type: 'SecureString', KeyId: KEY });
    expect(third.summary).toContain(`| ${rotated} | rotated | 2 | ${KEY} |`);
  });

  it('refuses an existing plain String, and writes nothing', async () => {
    const wanted = names('plain');
    const plain = wanted[1] ?? '';
    await ssm.send(new PutParameterCommand({ Name: plain, Type: 'String', Value: 'exposed-key' }));
    const run = await secretsRun({ parameters: wanted.join('\n'), rotate: plain });
    expect(run.exitCode).not.toBe(0);
    expect(run.errors[0]).toContain(`${plain} exists as a plain String`);
    expect(run.errors[0]).toContain(`aws ssm delete-parameter --name ${plain}`);
    expect(run.errors[0]).toContain('Nothing was written.');
    expect(run.outputs).toEqual({});
    const found = await describe_(wanted);
    expect([...found.keys()]).toEqual([plain]);
    expect(found.get(plain)).toMatchObject({ Type: 'String', Version: 1 });
  });

  it('refuses a SecureString under the AWS-managed key unless rotated, which moves it under the key', async () => {
    const wanted = names('managed');
    const old = wanted[0] ?? '';
    await ssm.send(
      new PutParameterCommand({ Name: old, Type: 'SecureString', Value: 'old-secret' })
    );

    const refused = await secretsRun({ parameters: wanted.join('\n') });
    expect(refused.exitCode).not.toBe(0);
    expect(refused.errors[0]).toContain(
      `${old} is a SecureString under the KMS key "alias/aws/ssm", not "${KEY}"`
    );
    expect((await describe_(wanted)).size).toBe(1);

    const moved = await secretsRun({ parameters: wanted.join('\n'), rotate: old });
    expect(moved.exitCode).toBe(0);
    expect(moved.outputs).toEqual({
      created: [wanted[1], wanted[2]].join(','),
      kept: '',
      rotated: old
    });
    expect((await describe_([old])).get(old)).toMatchObject({ KeyId: KEY, Version: 2 });
    expect(await value(old)).not.toBe('old-secret');
  });

  it('a failure part-way names the parameter and what was already created; nothing is rolled back', async () => {
    // A proxy in front of moto that refuses the second PutParameter the way SSM refuses one.
    let puts = 0;
    const proxy: Server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const target = String(request.headers['x-amz-target'] ?? '');
        if (target.endsWith('.PutParameter') && ++puts === 2) {
          response.writeHead(400, { 'Content-Type': 'application/x-amz-json-1.1' });
          response.end(
            JSON.stringify({ __type: 'ParameterLimitExceeded', message: 'Too many parameters.' })
          );
          return;
        }
        const headers = Object.fromEntries(
          Object.entries(request.headers).filter(([k]) => k !== 'host' && k !== 'content-length')
        ) as Record<string, string>;
        void fetch(`${moto.endpoint}${request.url ?? '/'}`, {
          method: request.method ?? 'POST',
          headers,
          body: Buffer.concat(chunks)
        }).then(async (answer) => {
          response.writeHead(answer.status, {
            'Content-Type': answer.headers.get('content-type') ?? 'application/json'
          });
          response.end(Buffer.from(await answer.arrayBuffer()));
        });
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const wanted = names('partway');
      const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const run = await secretsRun({ parameters: wanted.join('\n') }, endpoint);
      expect(run.exitCode).not.toBe(0);
      expect(run.errors[0]).toContain(
        `app-secrets failed: creating ${wanted[1]}: ParameterLimitExceeded: Too many parameters.`
      );
      expect(run.errors[0]).toContain(
        `Already created by this run: ${wanted[0]}; already rotated: none. Nothing was rolled back`
      );
      expect(run.summary).toContain(`Failed at ${wanted[1]}.`);
      expect([...(await describe_(wanted)).keys()]).toEqual([wanted[0]]);

      // The next run keeps the one created and creates the rest.
      const again = await secretsRun({ parameters: wanted.join('\n') });
      expect(again.outputs).toEqual({
        created: [wanted[1], wanted[2]].join(','),
        kept: wanted[0],
        rotated: ''
      });
    } finally {
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });

  it('a bad name fails naming the input and the line before any request reaches AWS', async () => {
    let requests = 0;
    const server: Server = createServer((_request, response) => {
      requests++;
      response.writeHead(500).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const run = await secretsRun(
        { parameters: '/bad/app/one\n/bad/app/two words\n/bad/app/three' },
        endpoint
      );
      expect(run.exitCode).not.toBe(0);
      expect(run.errors).toEqual([
        'Input "parameters", line 2: "/bad/app/two words" is not an SSM parameter name: it may hold only letters, digits, ".", "-", "_" and "/".'
      ]);
      expect(requests).toBe(0);
      expect(run.outputs).toEqual({});
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('refused credentials: a clear message with the permissions the role needs', async () => {
    // A second moto that checks every request's access key against its IAM (none is known).
    process.env.INITIAL_NO_AUTH_ACTION_COUNT = '0';
    const strict = await startMoto();
    delete process.env.INITIAL_NO_AUTH_ACTION_COUNT;
    try {
      const run = await secretsRun({ parameters: names('denied').join('\n') }, strict.endpoint, {
        AWS_ACCESS_KEY_ID: 'AKIAUNKNOWNUNKNOWN00',
        AWS_SECRET_ACCESS_KEY: 'wrong'
      });
      expect(run.exitCode).not.toBe(0);
      expect(run.errors[0]).toContain(
        'AWS refused describing the parameters /denied/app/django_secret_key'
      );
      expect(run.errors[0]).toContain('HTTP 403');
      expect(run.errors[0]).toContain('run actions/aws-credentials first');
      expect(run.errors[0]).toContain(
        `ssm:DescribeParameters, ssm:PutParameter on the parameters and kms:Encrypt and kms:GenerateDataKey on "${KEY}"`
      );
      expect(run.errors[0]).not.toContain('app-secrets failed');
      expect(run.outputs).toEqual({});
    } finally {
      await strict.stop();
    }
  }, 60_000);
});
