import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './nginx.js';
import {
  freePort,
  type RunningProcess,
  startProcess,
  waitForHttp
} from '../../../tests/kit/processes.js';

const venvBin = path.join(repoRoot, '.venv/bin');
const backendDir = path.join(repoRoot, 'app/backend');

/** Whether the backend and its virtual environment (ensure_backend_venv) are there. */
export function backendAvailable(): boolean {
  return (
    existsSync(path.join(backendDir, 'manage.py')) && existsSync(path.join(venvBin, 'gunicorn'))
  );
}

export const STAFF_EMAIL = 'staff@example.com';
export const STAFF_PASSWORD = 'nginx-test-staff-password-0123';

export interface RunningBackend extends RunningProcess {
  port: number;
  /** gunicorn's Unix socket, which the storefront's nginx connects to as deployed (compose.yml). */
  socket: string;
  database: string;
}

/**
 * The real backend as its image runs it: docker/backend/entrypoint.sh (migrations, the demo
 * catalog) exec'ing gunicorn with docker/backend/gunicorn.conf.py and the production settings,
 * on a SQLite database in `workDir` (made on the first start there, kept by later ones), on a
 * free loopback port and, as compose.yml has it, on a Unix socket in `workDir`.
 */
export async function startBackend(workDir: string, allowedHosts: string): Promise<RunningBackend> {
  const port = await freePort();
  const database = path.join(workDir, 'db.sqlite3');
  const socket = path.join(workDir, 'gunicorn.sock');
  mkdirSync(path.join(workDir, 'home'), { recursive: true });
  const env: Record<string, string> = {
    PATH: `${venvBin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    // gunicorn keeps a control socket under $HOME: each test run gets its own.
    HOME: path.join(workDir, 'home'),
    TMPDIR: workDir,
    LANG: 'C.UTF-8',
    APP_DIR: backendDir,
    PYTHON: path.join(venvBin, 'python'),
    DJANGO_SETTINGS_MODULE: 'config.settings.production',
    DJANGO_SECRET_KEY: 'nginx-test-only-secret-key-0123456789abcdef',
    CARD_FINGERPRINT_KEY: 'nginx-test-only-fingerprint-key',
    DATABASE_URL: `sqlite:///${database}`,
    DJANGO_STATIC_ROOT: path.join(workDir, 'static'),
    DJANGO_ALLOWED_HOSTS: allowedHosts,
    SEED_DEMO_CATALOG: 'true',
    // A staff login for the tests that write the catalog (ensure_superuser, run by the entrypoint).
    DJANGO_SUPERUSER_EMAIL: STAFF_EMAIL,
    DJANGO_SUPERUSER_PASSWORD: STAFF_PASSWORD,
    GUNICORN_BIND: `127.0.0.1:${port},unix:${socket}`,
    GUNICORN_WORKERS: '1',
    GUNICORN_THREADS: '4',
    GUNICORN_PRELOAD: 'true'
  };
  // The image runs collectstatic at build time; here it fills this run's static root.
  const collect = spawnSync(
    path.join(venvBin, 'python'),
    ['manage.py', 'collectstatic', '--noinput', '--verbosity', '0'],
    { cwd: backendDir, env, encoding: 'utf8' }
  );
  if (collect.status !== 0) throw new Error(`collectstatic failed: ${collect.stderr}`);
  const started = startProcess(
    'backend',
    'sh',
    [path.join(repoRoot, 'docker/backend/entrypoint.sh')],
    { cwd: backendDir, env, logFile: path.join(workDir, 'backend.log') }
  );
  // Generous: migrating a fresh database takes seconds alone but minutes on a loaded machine.
  await waitForHttp(`http://127.0.0.1:${port}/readyz`, {
    timeoutMs: 240_000,
    process: started,
    ok: (status) => status === 200
  });
  return { ...started, port, socket, database };
}
