import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../tests/kit/processes.js';
import { MOTO_SERVER } from '../../tests/kit/stand-ins/moto.js';
import { TERRAFORM_DIR, block, bodies, loadModule } from './support/hcl.js';
import {
  iamStatements,
  startS3Fetch,
  TOOLS_PYTHON,
  type Keys,
  type S3Fetch,
  type User
} from './support/s3-fetch.js';

// The app servers' fetch-fraud-model (modules/ec2/files/fetch-fraud-model.sh, installed by
// deploy.sh for ecommerce-fraud-model.timer), run for real against moto's S3 with IAM enforced:
// the reader has the app role's ReadFraudModel statement, the uploader the model upload role's
// policy, both from the modules' HCL; the checker is the backend's own loader (python -m
// fraud.validate_model, as the container runs it). A good model lands atomically; a corrupt one,
// one of another profile or format, a missing or denied object and an unreachable S3 each leave
// the model in place, exit non-zero and say why in one line.

const REPO = path.resolve(TERRAFORM_DIR, '..');
const SCRIPT = path.join(TERRAFORM_DIR, 'modules/ec2/files/fetch-fraud-model.sh');
const BACKEND = path.join(REPO, 'app', 'backend');
const BACKEND_PYTHON = path.join(REPO, '.venv', 'bin', 'python');
const BUCKET = 'ecommerce-monitoring-config-20260101';
const KEY = 'fraud-model/transactions/model.json';
const ready = existsSync(MOTO_SERVER) && existsSync(TOOLS_PYTHON) && existsSync(BACKEND_PYTHON);

type Model = Record<string, unknown> & { training: Record<string, unknown> };
const TRAINED = JSON.parse(
  readFileSync(path.join(BACKEND, 'fraud', 'tests', 'data', 'model.json'), 'utf8')
) as Model;
const modelText = (changes: Partial<Model> = {}): string =>
  JSON.stringify({ ...TRAINED, ...changes });
const PREVIOUS = modelText({
  training: { ...TRAINED.training, createdAt: '2026-11-01T03:17:00.000Z' }
});
const NEWER = modelText({
  training: { ...TRAINED.training, createdAt: '2026-12-05T03:17:00.000Z' }
});

let s3: S3Fetch | undefined;
let work = '';
let dest = '';
const users = {} as Record<User, Keys>;

function harness(): S3Fetch {
  if (!s3) throw new Error('the S3 stand-in did not start (see beforeAll)');
  return s3;
}
/** Puts an object with the given keys (default the uploader's); returns the error code or ''. */
const upload = (key: string, body: string, keys?: Keys) => harness().upload(key, body, keys);
const fetchAs = (keys: Keys, key = KEY, extra: NodeJS.ProcessEnv = {}) =>
  harness().fetchAs(keys, key, extra);
const leftovers = () => harness().leftovers();

beforeAll(async () => {
  if (!ready) return;
  work = mkdtempSync(path.join(tmpdir(), 'fetch-fraud-model-'));
  mkdirSync(path.join(work, 'fraud-model'));
  dest = path.join(work, 'fraud-model', 'model.json');
  const monitoring = await loadModule('modules/monitoring');
  const ec2 = await loadModule('modules/ec2');
  const fill = (s: string): string =>
    s
      .replace('${aws_s3_bucket.config.arn}', `arn:aws:s3:::${BUCKET}`)
      .replace('${local.fraud_model_key}', KEY)
      .replace('${statement.value}', `arn:aws:s3:::${BUCKET}/${KEY}`);
  const appRead = bodies(block(ec2, 'data', 'aws_iam_policy_document', 'app_secrets').body.dynamic)
    .flatMap((d) => bodies(d.statement))
    .filter((d) => String(d.for_each).includes('fraud_model_object_arn'))
    .flatMap((d) => bodies(d.content));
  s3 = await startS3Fetch({
    script: SCRIPT,
    bucket: BUCKET,
    key: KEY,
    dest,
    policies: {
      reader: iamStatements(appRead, fill),
      // Someone who may read the metrics object only: denied on the model.
      outsider: [
        {
          Effect: 'Allow',
          Action: ['s3:GetObject'],
          Resource: [`arn:aws:s3:::${BUCKET}/fraud-scan/*`]
        }
      ],
      uploader: iamStatements(
        bodies(
          block(monitoring, 'data', 'aws_iam_policy_document', 'fraud_model_upload').body.statement
        ),
        fill
      )
    },
    env: {
      // The backend's loader, as `docker exec ecommerce-backend python -m fraud.validate_model` runs it.
      FRAUD_MODEL_VALIDATE: `${BACKEND_PYTHON} -m fraud.validate_model`,
      PYTHONPATH: BACKEND
    }
  });
  Object.assign(users, s3.users);
}, 60_000);

afterAll(async () => {
  await s3?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const maybe = ready ? it : it.skip;
if (!ready)
  process.stderr.write(
    '.venv-tools (moto) or .venv (the backend) is missing: skipping fetch-fraud-model against S3\n'
  );

describe('fetch-fraud-model against S3 (moto, IAM enforced) with the backend’s loader', () => {
  maybe(
    'swaps a good model in atomically, readable by the container, leaving no temporary file',
    () => {
      writeFileSync(dest, PREVIOUS);
      expect(upload(KEY, NEWER)).toBe('');
      const result = fetchAs(users.reader);
      expect(result).toMatchObject({ status: 0, stderr: '' });
      expect(result.stdout).toMatch(
        new RegExp(
          `^fetch-fraud-model: s3://${BUCKET}/${KEY} -> ${dest} \\(${Buffer.byteLength(NEWER)} bytes; ok: \\S+: fraud-scan-model v2, profile transactions v\\d+, trained 2026-12-05T03:17:00.000Z, sha256 [0-9a-f]{12}\\)\\n$`
        )
      );
      expect(readFileSync(dest, 'utf8')).toBe(NEWER);
      expect(statSync(dest).mode & 0o777).toBe(0o644);
      expect(leftovers()).toEqual([]);
    }
  );

  maybe('leaves the file untouched (same inode, no reload) when the object has not changed', () => {
    const before = statSync(dest).ino;
    const result = fetchAs(users.reader);
    expect(result).toMatchObject({ status: 0, stderr: '' });
    expect(result.stdout).toBe(
      `fetch-fraud-model: s3://${BUCKET}/${KEY} is the model in ${dest} already\n`
    );
    expect(statSync(dest).ino).toBe(before);
  });

  const refusals: [string, string, RegExp][] = [
    [
      'a corrupt (cut short) model',
      NEWER.slice(0, NEWER.length / 2),
      /refused \(refused: Model file "\S+" cannot be read: [^\n]*\)/
    ],
    [
      'an HTML error page',
      '<html>503 Service Unavailable</html>\n',
      /refused \(refused: Model file "\S+" cannot be read: [^\n]*\)/
    ],
    [
      'a model of another profile',
      modelText({ profile: { ...(TRAINED.profile as object), name: 'stripemodel' } }),
      /refused \(refused: [^\n]*trained for the "stripemodel" feature profile[^\n]*\)/
    ],
    [
      'a model of another format version',
      modelText({ formatVersion: 1 }),
      /refused \(refused: [^\n]*has format version 1[^\n]*\)/
    ],
    ['an empty object', '', /refused \(refused: Model file "\S+" cannot be read: [^\n]*\)/]
  ];
  for (const [what, body, why] of refusals)
    maybe(`refuses ${what}: the previous model stays, exit 1, one line why`, () => {
      writeFileSync(dest, PREVIOUS);
      expect(upload(KEY, body)).toBe('');
      const result = fetchAs(users.reader);
      expect(result.status).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(
        new RegExp(
          `^fetch-fraud-model: s3://${BUCKET}/${KEY} ${why.source}; ${dest} left as it was\\n$`
        )
      );
      expect(readFileSync(dest, 'utf8')).toBe(PREVIOUS);
      expect(leftovers()).toEqual([]);
    });

  maybe('an unreachable S3 leaves the model in place and exits non-zero', async () => {
    writeFileSync(dest, PREVIOUS);
    const closed = `http://127.0.0.1:${await freePort()}`;
    const result = fetchAs(users.reader, KEY, { AWS_ENDPOINT_URL: closed, AWS_MAX_ATTEMPTS: '1' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^fetch-fraud-model: could not fetch s3:\/\/\S+ \(EndpointConnectionError: [^\n]*\); \S+ left as it was\n$/
    );
    expect(readFileSync(dest, 'utf8')).toBe(PREVIOUS);
    expect(leftovers()).toEqual([]);
  });

  maybe('a missing object or a denied read leaves the model in place', () => {
    writeFileSync(dest, PREVIOUS);
    const missing = fetchAs(users.reader, 'fraud-model/transactions/missing.json');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('(AccessDenied: ');
    expect(upload(KEY, NEWER)).toBe('');
    const denied = fetchAs(users.outsider);
    expect(denied.status).toBe(1);
    expect(denied.stderr).toMatch(
      /^fetch-fraud-model: could not fetch \S+ \(AccessDenied: [^\n]*\); \S+ left as it was\n$/
    );
    expect(readFileSync(dest, 'utf8')).toBe(PREVIOUS);
    expect(leftovers()).toEqual([]);
  });

  maybe('a checker that cannot run (the backend container is down) keeps the model too', () => {
    writeFileSync(dest, PREVIOUS);
    const result = fetchAs(users.reader, KEY, {
      FRAUD_MODEL_VALIDATE: 'false'
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `fetch-fraud-model: s3://${BUCKET}/${KEY} refused (); ${dest} left as it was\n`
    );
    expect(readFileSync(dest, 'utf8')).toBe(PREVIOUS);
    expect(leftovers()).toEqual([]);
  });

  maybe(
    'the upload role may put exactly the model, and may not read it; the app role may not write it',
    () => {
      expect(upload(KEY, NEWER)).toBe('');
      expect(upload('fraud-model/transactions/other.json', NEWER)).toBe('AccessDenied');
      expect(upload('fraud-scan/fraud_scan.prom', 'x 1\n')).toBe('AccessDenied');
      expect(fetchAs(users.uploader).stderr).toContain('(AccessDenied: ');
      expect(upload(KEY, PREVIOUS, users.reader)).toBe('AccessDenied');
    }
  );

  maybe('refuses to run without exactly bucket, key and destination', () => {
    const result = spawnSync('bash', [SCRIPT, BUCKET, KEY], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('usage: fetch-fraud-model BUCKET KEY DEST\n');
  });

  it('passes shellcheck', () => {
    const result = spawnSync('shellcheck', ['--shell=bash', '--severity=style', SCRIPT], {
      encoding: 'utf8'
    });
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });
});
