/**
 * Starting and stopping the real programs tests run (prometheus and its exporters, nginx,
 * gunicorn, ...) on loopback ports, with their output kept in a log file for when a test fails
 * — a regular file, which a program can also reopen as /dev/stdout (nginx's access_log does;
 * a pipe it could not).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';

export { freePort } from './free-port.mjs';

/** A program started by `startProcess`. */
export interface RunningProcess {
  readonly name: string;
  readonly logFile: string;
  readonly child: ChildProcess;
  /** The last lines of its output, for error messages. */
  tail(lines?: number): string;
  /** All of its output so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts `command` with its stdout and stderr appended to `logFile`. */
export function startProcess(
  name: string,
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; logFile: string }
): RunningProcess {
  const fd = openSync(options.logFile, 'a');
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', fd, fd]
  });
  closeSync(fd);
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', () => {
      exited = true;
      resolve();
    });
  });
  const output = (): string => {
    try {
      return readFileSync(options.logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const tail = (lines = 20): string => output().trimEnd().split('\n').slice(-lines).join('\n');
  return {
    name,
    logFile: options.logFile,
    child,
    tail,
    output,
    async stop(graceMs = 5000) {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    }
  };
}

/**
 * Polls `check` every `intervalMs` until it returns a value other than undefined, failing with
 * `what` and the process's last output after `timeoutMs` or when the process has exited.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs?: number; process?: RunningProcess }
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    const proc = options.process;
    if (proc && proc.child.exitCode !== null) {
      throw new Error(
        `${proc.name} exited (${proc.child.exitCode}) before ${what}:\n${proc.tail()}`
      );
    }
    if (Date.now() > deadline) {
      const detail = proc ? `\n${proc.name} output:\n${proc.tail()}` : '';
      throw new Error(
        `timed out after ${options.timeoutMs} ms waiting for ${what} ${lastError}${detail}`
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
  }
}

/** Resolves once `url` answers with a status `ok` accepts (default: below 500). */
export async function waitForHttp(
  url: string,
  options: { timeoutMs: number; process?: RunningProcess; ok?: (status: number) => boolean }
): Promise<void> {
  const ok = options.ok ?? ((status: number) => status < 500);
  await waitFor(
    `${url} to answer`,
    async () => {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      return ok(response.status) ? true : undefined;
    },
    options
  );
}
