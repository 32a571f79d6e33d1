/**
 * What the tests of the servers' S3 fetch scripts share (fetch-textfile on the monitoring
 * server, fetch-fraud-model on the app servers): moto's S3 with IAM enforced once the setup is
 * done, one bucket, and three users — the server role's reader, an outsider and the workflow's
 * uploader — holding the policies each test takes from the modules' HCL; the script run as one
 * of them, with the AWS environment boto3 reads.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { startMoto } from '../../../tests/kit/stand-ins/moto.js';
import type { Body } from './hcl.js';
import { TERRAFORM_DIR } from './hcl.js';

export const TOOLS_PYTHON = path.join(TERRAFORM_DIR, '..', '.venv-tools', 'bin', 'python');

export interface Keys {
  id: string;
  secret: string;
}

export type User = 'reader' | 'outsider' | 'uploader';

export interface S3Fetch {
  endpoint: string;
  users: Record<User, Keys>;
  /** The AWS environment of `keys` (moto's admin when absent), plus `extra`. */
  env(keys?: Keys, extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** Puts an object as `keys` (default the uploader); returns the error code, or '' when put. */
  upload(key: string, body: string, keys?: Keys): string;
  /** Runs the script as `keys`: SCRIPT BUCKET KEY DEST. */
  fetchAs(
    keys: Keys,
    key?: string,
    extra?: NodeJS.ProcessEnv
  ): { status: number | null; stdout: string; stderr: string };
  /** Files beside DEST other than DEST (a temporary file left behind). */
  leftovers(): string[];
  stop(): Promise<void>;
}

/** A policy document's statements as IAM JSON, each reference filled in by `fill`. */
export function iamStatements(statements: Body[], fill: (s: string) => string): unknown[] {
  return statements.map((s) => ({
    Effect: 'Allow',
    Action: s.actions,
    Resource: (s.resources as string[]).map(fill)
  }));
}

export async function startS3Fetch(options: {
  script: string;
  bucket: string;
  /** The object the script fetches by default. */
  key: string;
  dest: string;
  policies: Record<User, unknown[]>;
  /** Objects put during the setup, before IAM is enforced. */
  objects?: Record<string, string>;
  /** More environment for every call (e.g. the fraud model's checker). */
  env?: NodeJS.ProcessEnv;
}): Promise<S3Fetch> {
  const objects = options.objects ?? {};
  const users = Object.keys(options.policies);
  // moto enforces IAM after this many unauthenticated calls: exactly the setup below (the
  // bucket, each object, and three calls per user).
  const setupCalls = 1 + Object.keys(objects).length + 3 * users.length;
  const moto = await startMoto({ env: { INITIAL_NO_AUTH_ACTION_COUNT: String(setupCalls) } });
  const env = (keys?: Keys, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ACCESS_KEY_ID: keys?.id ?? 'admin',
    AWS_SECRET_ACCESS_KEY: keys?.secret ?? 'admin',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    PYTHON: TOOLS_PYTHON,
    ...options.env,
    ...extra
  });
  const bucket = JSON.stringify(options.bucket);
  let created: Record<User, Keys>;
  try {
    created = JSON.parse(
      execFileSync(
        TOOLS_PYTHON,
        [
          '-c',
          `import boto3, json
s3 = boto3.client("s3"); iam = boto3.client("iam")
s3.create_bucket(Bucket=${bucket})
for key, body in json.loads(${JSON.stringify(JSON.stringify(objects))}).items():
    s3.put_object(Bucket=${bucket}, Key=key, Body=body.encode())
keys = {}
for user, statements in json.loads(${JSON.stringify(JSON.stringify(options.policies))}).items():
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}))
    keys[user] = {"id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}
print(json.dumps(keys))`
        ],
        { env: env(), encoding: 'utf8' }
      )
    ) as Record<User, Keys>;
  } catch (error) {
    await moto.stop();
    throw error;
  }
  return {
    endpoint: moto.endpoint,
    users: created,
    env,
    upload: (key, body, keys = created.uploader) =>
      execFileSync(
        TOOLS_PYTHON,
        [
          '-c',
          `import boto3, botocore, sys
try:
    boto3.client("s3").put_object(Bucket=${bucket}, Key=${JSON.stringify(key)}, Body=sys.stdin.buffer.read())
except botocore.exceptions.ClientError as e:
    print(e.response["Error"]["Code"], end="")`
        ],
        { env: env(keys), encoding: 'utf8', input: body }
      ),
    fetchAs: (keys, key = options.key, extra = {}) => {
      const result = spawnSync('bash', [options.script, options.bucket, key, options.dest], {
        env: env(keys, extra),
        encoding: 'utf8',
        timeout: 60_000
      });
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    },
    leftovers: () =>
      readdirSync(path.dirname(options.dest)).filter(
        (name) => name !== path.basename(options.dest)
      ),
    stop: () => moto.stop()
  };
}
