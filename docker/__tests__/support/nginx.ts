import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningProcess, startProcess, waitForHttp } from '../../../tests/kit/processes.js';

export const dockerDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const repoRoot = path.resolve(dockerDir, '..');
const templatePath = path.join(dockerDir, 'frontend/templates/default.conf.template');
const mainConfigPath = path.join(dockerDir, 'frontend/nginx.conf');

/** The value of an `ENV NAME=value` in docker/Dockerfile.frontend (quotes removed). */
export function dockerfileEnv(name: string): string {
  const dockerfile = readFileSync(path.join(dockerDir, 'Dockerfile.frontend'), 'utf8');
  const match = new RegExp(`\\b${name}=("([^"]*)"|(\\S+))`).exec(dockerfile);
  if (!match) throw new Error(`Dockerfile.frontend sets no ${name}`);
  return match[2] ?? match[3] ?? '';
}

/**
 * Render the server template the way the nginx image's 20-envsubst-on-templates.sh does: the
 * real `envsubst`, given exactly the defined environment variables whose names match the
 * image's NGINX_ENVSUBST_FILTER.
 */
export function renderServerTemplate(env: Record<string, string>): string {
  const filter = new RegExp(dockerfileEnv('NGINX_ENVSUBST_FILTER'));
  const defined = Object.keys(env)
    .filter((name) => filter.test(name))
    .map((name) => `\${${name}}`)
    .join(' ');
  const result = spawnSync('envsubst', [defined], {
    input: readFileSync(templatePath, 'utf8'),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    encoding: 'utf8'
  });
  if (result.status !== 0) throw new Error(`envsubst failed: ${result.stderr}`);
  return result.stdout;
}

export interface NginxSetup {
  /** Scratch directory standing in for the image's /tmp/nginx. */
  prefix: string;
  port: number;
  root: string;
  /** BACKEND_UPSTREAM: unix:/path of gunicorn's socket (as deployed) or an IP address:port. */
  backend: string;
}

/**
 * Lay out docker/frontend/nginx.conf (its /tmp/nginx/ paths moved into `prefix`) and the
 * rendered server block, and return the path of the main configuration file.
 */
export function writeNginxConfig(setup: NginxSetup): string {
  mkdirSync(path.join(setup.prefix, 'conf.d'), { recursive: true });
  const main = readFileSync(mainConfigPath, 'utf8').replaceAll('/tmp/nginx/', `${setup.prefix}/`);
  const mainPath = path.join(setup.prefix, 'nginx.conf');
  writeFileSync(mainPath, main);
  const server = renderServerTemplate({
    LISTEN_PORT: String(setup.port),
    STOREFRONT_ROOT: setup.root,
    BACKEND_UPSTREAM: setup.backend,
    // Present in every environment: must NOT be substituted (nginx has its own $host etc.).
    HOSTNAME: 'must-not-appear',
    HOME: '/must-not-appear'
  });
  writeFileSync(path.join(setup.prefix, 'conf.d/default.conf'), server);
  return mainPath;
}

/** `nginx -t` on a configuration: its exit code and what it printed. */
export function nginxTest(
  mainPath: string,
  prefix: string
): { status: number | null; output: string } {
  // stdout a regular file: nginx opens /dev/stdout for its access log (see startProcess).
  const stdout = openSync(path.join(prefix, 'nginx-t.out'), 'w');
  try {
    const result = spawnSync('nginx', ['-t', '-c', mainPath, '-p', prefix, '-e', 'stderr'], {
      encoding: 'utf8',
      stdio: ['ignore', stdout, 'pipe']
    });
    return { status: result.status, output: result.stderr };
  } finally {
    closeSync(stdout);
  }
}

/** Run nginx in the foreground as the image does (`daemon off`), until it serves /healthz. */
export async function startNginx(mainPath: string, setup: NginxSetup): Promise<RunningProcess> {
  const started = startProcess(
    'nginx',
    'nginx',
    ['-c', mainPath, '-p', setup.prefix, '-e', 'stderr', '-g', 'daemon off;'],
    { logFile: path.join(setup.prefix, 'nginx.log') }
  );
  await waitForHttp(`http://127.0.0.1:${setup.port}/healthz`, {
    timeoutMs: 15_000,
    process: started,
    ok: (status) => status === 200
  });
  return started;
}
