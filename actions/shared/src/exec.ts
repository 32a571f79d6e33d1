import * as core from '@actions/core';
import * as actionsExec from '@actions/exec';
import { redact } from './secrets.js';

export interface LoggedExecOptions {
  cwd?: string;
  /** Extra environment variables; merged over the current environment. */
  env?: Record<string, string>;
  /** Values to redact from the printed command line and output, besides registered secrets. */
  secrets?: readonly string[];
  /** Written to the process's standard input (e.g. a password for `--password-stdin`). */
  input?: string;
  /** Return a non-zero exit code instead of throwing. */
  ignoreReturnCode?: boolean;
  /** Capture output without echoing it to the log. */
  quiet?: boolean;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Quote an argument for display the way a person would type it in a shell. */
function displayArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * Relays a stream line by line through redaction. Buffering to line ends matters: a secret
 * split across two chunks would otherwise slip past the replacement.
 */
class RedactingLineWriter {
  private pending = '';
  constructor(
    private readonly write: (line: string) => void,
    private readonly secrets: readonly string[]
  ) {}
  push(chunk: string): void {
    this.pending += chunk;
    const lines = this.pending.split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) this.write(redact(line, this.secrets));
  }
  flush(): void {
    if (this.pending !== '') this.write(redact(this.pending, this.secrets));
    this.pending = '';
  }
}

/**
 * Run a command, printing its redacted command line and relaying its redacted output to the
 * job log. Throws (with the redacted stderr tail) on a non-zero exit unless
 * `ignoreReturnCode` is set.
 */
export async function loggedExec(
  command: string,
  args: readonly string[],
  options: LoggedExecOptions = {}
): Promise<ExecResult> {
  const secrets = options.secrets ?? [];
  const commandLine = [command, ...args].map(displayArg).join(' ');
  core.info(`[command] ${redact(commandLine, secrets)}`);

  let stdout = '';
  let stderr = '';
  const outWriter = new RedactingLineWriter((line) => core.info(line), secrets);
  const errWriter = new RedactingLineWriter((line) => core.info(line), secrets);

  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined) env[key] = value;
  }
  Object.assign(env, options.env ?? {});

  const exitCode = await actionsExec.exec(command, [...args], {
    cwd: options.cwd,
    env,
    silent: true,
    ignoreReturnCode: true,
    input: options.input === undefined ? undefined : Buffer.from(options.input),
    listeners: {
      stdout: (data: Buffer) => {
        const text = data.toString();
        stdout += text;
        if (!options.quiet) outWriter.push(text);
      },
      stderr: (data: Buffer) => {
        const text = data.toString();
        stderr += text;
        if (!options.quiet) errWriter.push(text);
      }
    }
  });
  outWriter.flush();
  errWriter.flush();

  if (exitCode !== 0 && !options.ignoreReturnCode) {
    const tail = redact(stderr.trim().split('\n').slice(-20).join('\n'), secrets);
    throw new Error(
      `${redact(commandLine, secrets)} exited with code ${exitCode}${tail ? `:\n${tail}` : '.'}`
    );
  }
  return { exitCode, stdout: redact(stdout, secrets), stderr: redact(stderr, secrets) };
}
