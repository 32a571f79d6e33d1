// Starts the real stack for the browser tests: a fresh PostgreSQL database (migrated, seeded
// with the demo catalog and a staff account), the backend under gunicorn on a free port, and
// the built storefront served by scripts/serve.mjs with a proxy to it. Everything binds to
// 127.0.0.1 on ports the OS picks, so parallel runs never collide; stop() removes it all.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../../../tests/kit/processes.ts';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
export const FRONTEND_DIR = resolve(here, '..');
export const REPO_ROOT = resolve(FRONTEND_DIR, '../..');
const BACKEND_DIR = join(REPO_ROOT, 'app/backend');
const VENV_BIN = join(REPO_ROOT, '.venv/bin');

export const STAFF = { email: 'staff-e2e@example.com', password: 'staff-e2e-Password-1' };

export type Stack = {
  url: string;
  backendUrl: string;
  database: string;
  stop: () => Promise<void>;
};

async function waitFor(
  url: string,
  what: string,
  child: ChildProcess,
  timeoutMs = 60_000
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${what} exited with code ${child.exitCode} before answering ${url}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not answer ${url} within ${timeoutMs / 1000}s`);
}

function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Starts database, backend and storefront; the caller must call stop() (also on failure).
 * `backendEnv` adds to (or overrides) the backend's environment, e.g. FRAUD_SCORING.
 */
export async function startStack({
  log = false,
  backendEnv = {}
}: { log?: boolean; backendEnv?: Record<string, string> } = {}): Promise<Stack> {
  for (const [path, hint] of [
    [
      join(VENV_BIN, 'gunicorn'),
      'the backend virtualenv (.venv): run `bash scripts/test frontend` or ensure_backend_venv'
    ],
    [
      join(FRONTEND_DIR, 'dist/index.html'),
      'the built storefront: run `npm run build` in app/frontend'
    ]
  ] as const) {
    if (!existsSync(path)) throw new Error(`missing ${path}: ${hint}`);
  }
  const pg = {
    PGHOST: process.env.PGHOST ?? '127.0.0.1',
    PGPORT: process.env.PGPORT ?? '5432',
    PGUSER: process.env.PGUSER ?? 'postgres'
  };
  const database = `storefront_e2e_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const env = {
    ...process.env,
    ...pg,
    DJANGO_ENV: 'development',
    DJANGO_DEBUG: 'false',
    DATABASE_URL: `postgres://${pg.PGUSER}@${pg.PGHOST}:${pg.PGPORT}/${database}`,
    DJANGO_SUPERUSER_EMAIL: STAFF.email,
    DJANGO_SUPERUSER_PASSWORD: STAFF.password,
    // The tests sign in several times a minute from one address.
    THROTTLE_AUTH_RATE: '1000/min',
    THROTTLE_CHECKOUT_RATE: '1000/min',
    STRIPE_SECRET_KEY: '',
    STRIPE_PUBLISHABLE_KEY: '',
    LOG_LEVEL: 'WARNING',
    ...backendEnv
  };
  const children: ChildProcess[] = [];
  let created = false;
  const stop = async () => {
    await Promise.all(children.reverse().map(stopProcess));
    if (created)
      await run('dropdb', ['--if-exists', '--force', database], { env }).catch(() => undefined);
  };
  try {
    await run('createdb', [database], { env });
    created = true;
    const manage = (...args: string[]) =>
      run(join(VENV_BIN, 'python'), ['manage.py', ...args], { cwd: BACKEND_DIR, env });
    await manage('migrate', '--no-input', '-v', '0');
    await manage('seed_demo_catalog');
    await manage('ensure_superuser');

    const backendPort = await freePort();
    const backendUrl = `http://127.0.0.1:${backendPort}`;
    const gunicorn = spawn(
      join(VENV_BIN, 'gunicorn'),
      [
        'config.wsgi:application',
        '--bind',
        `127.0.0.1:${backendPort}`,
        '--workers',
        '2',
        '--access-logfile',
        log ? '-' : '/dev/null'
      ],
      { cwd: BACKEND_DIR, env, stdio: ['ignore', log ? 'inherit' : 'ignore', 'inherit'] }
    );
    children.push(gunicorn);
    await waitFor(`${backendUrl}/healthz`, 'gunicorn', gunicorn);

    const server = spawn(
      process.execPath,
      [join(FRONTEND_DIR, 'scripts/serve.mjs'), '--port', '0', '--backend', backendUrl],
      {
        stdio: ['ignore', 'pipe', 'inherit']
      }
    );
    children.push(server);
    const url = await new Promise<string>((resolveUrl, reject) => {
      let out = '';
      server.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /listening on (http:\/\/[\d.:]+)/.exec(out);
        if (match?.[1]) resolveUrl(match[1]);
      });
      server.once('exit', (code) =>
        reject(new Error(`serve.mjs exited with code ${code}: ${out}`))
      );
    });
    await waitFor(`${url}/api/config/`, 'the storefront proxy', server);
    return { url, backendUrl, database, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
