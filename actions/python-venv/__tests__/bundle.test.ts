import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runBundle } from '../../../tests/kit/action-bundle.js';

/**
 * The committed bundles run the way the runner runs them, with real venvs and real installs from
 * PyPI. pip's downloads are kept in one folder across test runs so a warm run stays fast.
 */
const PIP_CACHE_DIR = path.join(tmpdir(), 'python-actions-pip-cache');
// The runner gives actions its tool cache (where actions/setup-python installs Pythons); so do we.
const RUNNER_ENV: Record<string, string> = process.env.RUNNER_TOOL_CACHE
  ? { RUNNER_TOOL_CACHE: process.env.RUNNER_TOOL_CACHE }
  : {};
const TIMEOUT_MS = 300_000;

let workspace: string;

beforeAll(() => {
  workspace = mkdtempSync(path.join(tmpdir(), 'python-venv-action-'));
  // A small pinned package without dependencies keeps the real install quick.
  writeFileSync(path.join(workspace, 'requirements.txt'), 'iniconfig==2.3.1\n');
});
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

/** A loopback port with nothing listening: a cache service that is configured but down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const run = (inputs: Record<string, string>, env: Record<string, string> = {}) =>
  runBundle('python-venv', {
    cwd: workspace,
    inputs: { 'python-version': '3.11', ...inputs },
    env: { ...RUNNER_ENV, PIP_CACHE_DIR, ...env },
    timeoutMs: TIMEOUT_MS
  });

describe('python-venv, run from its bundle', () => {
  it(
    'creates the venv with a real install, publishes it, and carries on with a warning when the cache service is down',
    async () => {
      const port = await closedPort();
      const result = await run(
        { requirements: 'requirements.txt', path: 'envs/app', 'upgrade-pip': 'false' },
        { ACTIONS_CACHE_URL: `http://127.0.0.1:${port}/`, ACTIONS_RUNTIME_TOKEN: 'test-token' }
      );
      expect(result.errors).toEqual([]);
      expect(result.exitCode).toBe(0);
      const venv = path.join(workspace, 'envs/app');
      expect(result.outputs).toEqual({
        'python-path': path.join(venv, 'bin/python'),
        'venv-path': venv,
        'python-version': expect.stringMatching(/^3\.11\.\d+$/),
        'cache-hit': 'false'
      });
      expect(result.addedPath).toEqual([path.join(venv, 'bin')]);
      expect(result.exportedEnv).toEqual({ VIRTUAL_ENV: venv });
      expect(readdirSync(path.join(venv, 'lib'))[0]).toMatch(/^python3\.11$/);
      expect(result.stdout).toMatch(/::warning::Failed to restore: .*ECONNREFUSED/);
      // A miss: the post step is asked to save pip's cache under the exact key.
      expect(result.state).toEqual({
        'save-cache': 'true',
        'cache-key': expect.stringMatching(
          /^python-venv-pip-v1-Linux-x64-python3\.11\.\d+-[0-9a-f]{64}$/
        ),
        'cache-dir': PIP_CACHE_DIR
      });
      expect(result.summary).toContain('virtual environment');
      expect(result.summary).toContain('| Requirements | `requirements.txt` |');
      expect(result.summary).toMatch(/\| Packages \| \d+ \|/);
      expect(result.summary).toContain('iniconfig==2.3.1');
      expect(result.summary).toContain(
        '| pip cache | miss: saved after the job as `python-venv-pip-v1-'
      );

      // The post step: saving fails against the dead service, which is a warning, not a failure.
      // pip leaves nothing in its cache when its wheels come from a local index (as on some
      // machines), so put a file there as a download would.
      mkdirSync(path.join(PIP_CACHE_DIR, 'http-v2'), { recursive: true });
      writeFileSync(path.join(PIP_CACHE_DIR, 'http-v2', 'entry'), 'cached response');
      const post = await runBundle('python-venv', {
        cwd: workspace,
        entry: 'post',
        state: result.state,
        env: {
          ACTIONS_CACHE_URL: `http://127.0.0.1:${port}/`,
          ACTIONS_RUNTIME_TOKEN: 'test-token'
        },
        timeoutMs: TIMEOUT_MS
      });
      expect(post.errors).toEqual([]);
      expect(post.exitCode).toBe(0);
      expect(post.stdout).toMatch(/::warning::.*ECONNREFUSED/);
    },
    TIMEOUT_MS
  );

  it(
    'removes the half-made venv when pip fails, and says so',
    async () => {
      writeFileSync(
        path.join(workspace, 'broken.txt'),
        'iniconfig==2.3.1\nthis is not a requirement\n'
      );
      const result = await run({
        requirements: 'broken.txt',
        path: 'envs/broken',
        cache: 'false',
        'upgrade-pip': 'false'
      });
      expect(result.exitCode).toBe(1);
      expect(result.errors[0]).toMatch(
        /^python-venv failed: .*pip install -r .*broken\.txt exited with code 1/s
      );
      expect(result.errors[0]).toContain(
        `The half-made virtual environment at ${path.join(workspace, 'envs/broken')} was removed.`
      );
      expect(existsSync(path.join(workspace, 'envs/broken'))).toBe(false);
      expect(result.outputs).toEqual({});
      expect(result.state).toEqual({});
    },
    TIMEOUT_MS
  );

  describe('bad inputs fail before anything is created', () => {
    it.each([
      [
        'a missing requirements file gets an error naming "requirements"',
        { requirements: 'requirements.txt\nmissing-dev.txt' },
        /^Input "requirements": file "missing-dev\.txt" does not exist \(looked in .*\)\.$/
      ],
      [
        'an unknown Python gets an error naming "python-version" and what was found',
        { 'python-version': '3.99', requirements: 'requirements.txt' },
        /^Input "python-version": no Python 3\.99 was found; on PATH: .*3\.11\.\d+ .*Install it first \(e\.g\. with actions\/setup-python\) or give the path to an interpreter\.$/
      ],
      [
        'a missing working directory gets an error naming "working-directory"',
        { 'working-directory': 'no/such/dir', requirements: 'requirements.txt' },
        /^Input "working-directory": directory "no\/such\/dir" does not exist\.$/
      ],
      [
        'an invalid boolean gets an error naming "cache"',
        { cache: 'yes', requirements: 'requirements.txt' },
        /^Input "cache" must be true or false, got "yes"\.$/
      ],
      [
        'an invalid boolean gets an error naming "upgrade-pip"',
        { 'upgrade-pip': '1', requirements: 'requirements.txt' },
        /^Input "upgrade-pip" must be true or false, got "1"\.$/
      ]
    ])('%s', async (_name, inputs, message) => {
      const result = await run({ path: 'envs/never', ...inputs });
      expect(result.exitCode).toBe(1);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]).toMatch(message);
      expect(existsSync(path.join(workspace, 'envs/never'))).toBe(false);
      expect(result.outputs).toEqual({});
      expect(result.addedPath).toEqual([]);
    });

    it('a path holding other files gets an error naming "path", and the files are left alone', async () => {
      const data = path.join(workspace, 'data');
      mkdirSync(data, { recursive: true });
      writeFileSync(path.join(data, 'orders.csv'), 'id\n1\n');
      const result = await run({ path: 'data', requirements: 'requirements.txt' });
      expect(result.exitCode).toBe(1);
      expect(result.errors[0]).toBe(
        'Input "path": "data" is a folder that is not empty and not a virtual environment; refusing to create the environment over it.'
      );
      expect(readdirSync(data)).toEqual(['orders.csv']);
      expect(readFileSync(path.join(data, 'orders.csv'), 'utf8')).toBe('id\n1\n');
    });
  });
});
