import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
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

// The monitoring server's fetch-textfile (modules/monitoring/files/fetch-textfile.sh, installed
// by its user data for the fraud-scan-metrics timer), run for real against moto's S3 with IAM
// enforced: the reader has the instance role's S3 read statement, the uploader the fraud scan
// role's policy, both taken from the module's HCL. A good object lands atomically; a missing,
// denied, unreadable or malformed one leaves the previous file in place, exits non-zero and
// says why in one line.

const SCRIPT = path.join(TERRAFORM_DIR, 'modules/monitoring/files/fetch-textfile.sh');
const BUCKET = 'ecommerce-monitoring-config-20260101';
const KEY = 'fraud-scan/fraud_scan.prom';
const haveMoto = existsSync(MOTO_SERVER) && existsSync(TOOLS_PYTHON);

const GOOD = `# HELP fraud_scan_flagged_rows Rows above the threshold in the last fraud scan.
# TYPE fraud_scan_flagged_rows gauge
fraud_scan_flagged_rows{profile="transactions"} 22
fraud_scan_error_quantile{profile="transactions",quantile="0.99"} 4.305823230743406
fraud_scan_last_run_timestamp_seconds{profile="transactions"} 1795665775
`;
const PREVIOUS = 'fraud_scan_flagged_rows{profile="transactions"} 3\n';

let s3: S3Fetch | undefined;
let work = '';
let dest = '';
const users = {} as Record<User, Keys>;

function harness(): S3Fetch {
  if (!s3) throw new Error('the S3 stand-in did not start (see beforeAll)');
  return s3;
}
const awsEnv = (keys?: Keys) => harness().env(keys);
/** Puts an object as the uploader (the fraud scan role's policy); returns the error code or ''. */
const upload = (key: string, body: string) => harness().upload(key, body);
const fetchAs = (keys: Keys, key = KEY, extra: NodeJS.ProcessEnv = {}) =>
  harness().fetchAs(keys, key, extra);
const leftovers = () => harness().leftovers();

beforeAll(async () => {
  if (!haveMoto) return;
  work = mkdtempSync(path.join(tmpdir(), 'fetch-textfile-'));
  mkdirSync(path.join(work, 'textfile'));
  dest = path.join(work, 'textfile', 'fraud_scan.prom');
  const monitoring = await loadModule('modules/monitoring');
  const fill = (s: string): string =>
    s
      .replace('${aws_s3_bucket.config.arn}', `arn:aws:s3:::${BUCKET}`)
      .replace('${local.fraud_scan_metrics_key}', KEY);
  const instanceRead = bodies(
    block(monitoring, 'data', 'aws_iam_policy_document', 'this').body.statement
  ).filter((s) => s.sid === 'ReadConfigObjects');
  const uploadPolicy = bodies(
    block(monitoring, 'data', 'aws_iam_policy_document', 'fraud_scan_upload').body.statement
  );
  s3 = await startS3Fetch({
    script: SCRIPT,
    bucket: BUCKET,
    key: KEY,
    dest,
    objects: { [KEY]: GOOD },
    policies: {
      reader: iamStatements(instanceRead, fill),
      // Someone with read access to the configuration folders only: denied on the key.
      outsider: [
        {
          Effect: 'Allow',
          Action: ['s3:GetObject'],
          Resource: [`arn:aws:s3:::${BUCKET}/prometheus/*`]
        }
      ],
      uploader: iamStatements(uploadPolicy, fill)
    }
  });
  Object.assign(users, s3.users);
}, 60_000);

afterAll(async () => {
  await s3?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const maybe = haveMoto ? it : it.skip;
if (!haveMoto)
  process.stderr.write(
    '.venv-tools (moto) is missing: run bash scripts/test terraform to create it\n'
  );

describe('fetch-textfile against S3 (moto, IAM enforced)', () => {
  maybe(
    'replaces the previous file with the object, readable by node_exporter, leaving no temporary file',
    () => {
      writeFileSync(dest, PREVIOUS);
      const result = fetchAs(users.reader);
      expect(result).toMatchObject({ status: 0, stderr: '' });
      expect(result.stdout).toBe(
        `fetch-textfile: s3://${BUCKET}/${KEY} -> ${dest} (${Buffer.byteLength(GOOD)} bytes)\n`
      );
      expect(readFileSync(dest, 'utf8')).toBe(GOOD);
      expect(statSync(dest).mode & 0o777).toBe(0o644);
      expect(leftovers()).toEqual([]);
    }
  );

  maybe('a missing object leaves the previous file in place, exits non-zero and says why', () => {
    writeFileSync(dest, PREVIOUS);
    const result = fetchAs(users.reader, 'fraud-scan/missing.prom');
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `fetch-textfile: could not fetch s3://${BUCKET}/fraud-scan/missing.prom (NoSuchKey: The specified key does not exist.); ${dest} left as it was\n`
    );
    expect(readFileSync(dest, 'utf8')).toBe(PREVIOUS);
    expect(leftovers()).toEqual([]);
  });

  maybe(
    'a denied request leaves the previous file in place, exits non-zero and says AccessDenied',
    () => {
      writeFileSync(dest, PREVIOUS);
      const result = fetchAs(users.outsider);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(
        new RegExp(
          `^fetch-textfile: could not fetch s3://${BUCKET}/${KEY} \\(AccessDenied: [^\\n]*\\); ${dest} left as it was\\n$`
        )
      );
      expect(readFileSync(dest, 'utf8')).toBe(PREVIOUS);
      expect(leftovers()).toEqual([]);
    }
  );

  maybe('an unreachable S3 leaves the previous file in place and exits non-zero', async () => {
    writeFileSync(dest, PREVIOUS);
    const closed = `http://127.0.0.1:${await freePort()}`;
    const result = fetchAs(users.reader, KEY, { AWS_ENDPOINT_URL: closed, AWS_MAX_ATTEMPTS: '1' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^fetch-textfile: could not fetch s3:\/\/\S+ \(EndpointConnectionError: [^\n]*\); \S+ left as it was\n$/
    );
    expect(readFileSync(dest, 'utf8')).toBe(PREVIOUS);
  });

  maybe('the upload role may put exactly the one key, and nothing else', () => {
    expect(upload(KEY, GOOD)).toBe('');
    expect(upload('fraud-scan/other.prom', GOOD)).toBe('AccessDenied');
    expect(upload('prometheus/prometheus.yml', 'global: {}\n')).toBe('AccessDenied');
    expect(upload('grafana/dashboards/fraud.json', '{}')).toBe('AccessDenied');
    // ...and may not read it back either.
    expect(fetchAs(users.uploader).stderr).toContain('(AccessDenied: ');
  });

  maybe('an object that is not a textfile is refused, and the previous file stays', () => {
    writeFileSync(dest, PREVIOUS);
    expect(upload(KEY, `${GOOD}<html>503 Service Unavailable</html>\n`)).toBe('');
    const result = fetchAs(users.reader);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `fetch-textfile: s3://${BUCKET}/${KEY} is not a node_exporter textfile (line 6: <html>503 Service Unavailable</html>); ${dest} left as it was\n`
    );
    expect(readFileSync(dest, 'utf8')).toBe(PREVIOUS);
    expect(upload(KEY, '')).toBe('');
    expect(fetchAs(users.reader).stderr).toBe(
      `fetch-textfile: s3://${BUCKET}/${KEY} is empty; ${dest} left as it was\n`
    );
    expect(readFileSync(dest, 'utf8')).toBe(PREVIOUS);
    expect(leftovers()).toEqual([]);
  });

  maybe(
    'a reader polling the file while a large object arrives sees the old file or the new one, never a part',
    async () => {
      const lines = Array.from(
        { length: 150_000 },
        (_, i) => `fraud_scan_test_series{n="${i}"} ${i}`
      );
      const large = `${lines.join('\n')}\n`;
      expect(upload(KEY, large)).toBe('');
      writeFileSync(dest, PREVIOUS);
      const child = spawn('bash', [SCRIPT, BUCKET, KEY, dest], {
        env: awsEnv(users.reader),
        stdio: 'ignore'
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      let done = false;
      void exited.then(() => (done = true));
      const seen = new Map<string, number>();
      while (!done) {
        const text = readFileSync(dest, 'utf8');
        const kind =
          text === PREVIOUS
            ? 'previous'
            : text === large
              ? 'new'
              : `partial (${text.length} bytes)`;
        seen.set(kind, (seen.get(kind) ?? 0) + 1);
        await new Promise((r) => setImmediate(r));
      }
      expect(await exited).toBe(0);
      expect([...seen.keys()].filter((k) => k.startsWith('partial'))).toEqual([]);
      expect(seen.get('previous')).toBeGreaterThan(0);
      expect(readFileSync(dest, 'utf8')).toBe(large);
      expect(upload(KEY, GOOD)).toBe('');
    },
    60_000
  );

  maybe('refuses to run without exactly bucket, key and destination', () => {
    const result = spawnSync('bash', [SCRIPT, BUCKET, KEY], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('usage: fetch-textfile BUCKET KEY DEST\n');
  });
});
