import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** An unused loopback TCP port (the kernel picks it; it is free when this returns). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A long-running process started by a test, with its output kept for failure messages. */
export interface Started {
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/** Start a process in the foreground (never daemonized), collecting stdout and stderr. */
export function startProcess(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; stdoutFile?: string } = {}
): Started {
  // Node's stdio pipes are sockets, which a process cannot reopen as /dev/stdout (nginx's
  // access_log does): when asked, stdout goes to a regular file instead, read back on demand.
  const stdoutFd = options.stdoutFile === undefined ? undefined : openSync(options.stdoutFile, 'a');
  const child = spawn(command, [...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe']
  });
  if (stdoutFd !== undefined) closeSync(stdoutFd);
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const stdoutFile = options.stdoutFile;
  const fileOutput = () => (stdoutFile === undefined ? '' : readFileSync(stdoutFile, 'utf8'));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => fileOutput() + output,
    // SIGTERM by pid (this process only), then SIGKILL if it lingers.
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  };
}

/** Poll a URL until it answers 200, the process dies, or the deadline passes. */
export async function waitForHttp(url: string, started: Started, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (started.child.exitCode !== null) {
      throw new Error(
        `process exited (${started.child.exitCode}) before ${url} answered:\n${started.output()}`
      );
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `${url} did not answer 200 within ${timeoutMs} ms (${last}):\n${started.output()}`
  );
}
