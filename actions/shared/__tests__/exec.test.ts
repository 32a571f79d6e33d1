import { afterEach, describe, expect, it, jest } from '@jest/globals';
import * as core from '@actions/core';
import { loggedExec } from '../src/exec.js';
import { clearRegisteredSecrets, maskSecret, redact } from '../src/secrets.js';

afterEach(() => {
  clearRegisteredSecrets();
  jest.restoreAllMocks();
});

/** Capture what the action writes to the job log. */
function captureLog(): string[] {
  const lines: string[] = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return lines;
}

describe('secrets', () => {
  it('masks each line of a multi-line secret and redacts it from text', () => {
    const log = captureLog();
    maskSecret('first-line-secret\nsecond-line-secret');
    expect(log.join('')).toContain('::add-mask::first-line-secret');
    expect(log.join('')).toContain('::add-mask::second-line-secret');
    expect(redact('token=second-line-secret;')).toBe('token=***;');
  });

  it('ignores values too short to mask safely', () => {
    captureLog();
    maskSecret('ab');
    expect(redact('ab cd')).toBe('ab cd');
  });
});

describe('loggedExec', () => {
  it('never prints a secret given on the command line or echoed by the tool', async () => {
    const log = captureLog();
    const result = await loggedExec(
      'sh',
      ['-c', 'echo "pw is $1"; echo "err $1" >&2', 'sh', 'hunter2-secret'],
      {
        secrets: ['hunter2-secret']
      }
    );
    const printed = log.join('');
    expect(printed).not.toContain('hunter2-secret');
    expect(printed).toContain('pw is ***');
    expect(printed).toContain('[command] sh -c');
    expect(result.stdout).toBe('pw is ***\n');
    expect(result.exitCode).toBe(0);
  });

  it('passes stdin, so passwords need not be arguments', async () => {
    captureLog();
    const result = await loggedExec('cat', [], { input: 'from-stdin', quiet: true });
    expect(result.stdout).toBe('from-stdin');
  });

  it('throws with the redacted stderr tail on failure, or returns the code when asked', async () => {
    captureLog();
    maskSecret('s3cr3t-value');
    await expect(loggedExec('sh', ['-c', 'echo "bad s3cr3t-value" >&2; exit 3'])).rejects.toThrow(
      'sh -c \'echo "bad ***" >&2; exit 3\' exited with code 3:\nbad ***'
    );
    const result = await loggedExec('sh', ['-c', 'exit 4'], { ignoreReturnCode: true });
    expect(result.exitCode).toBe(4);
  });

  it('redacts a secret split across output chunks', async () => {
    const log = captureLog();
    await loggedExec('sh', ['-c', 'printf "abc-spl"; sleep 0.1; printf "it-secret\\n"'], {
      secrets: ['abc-split-secret']
    });
    expect(log.join('')).not.toContain('abc-split-secret');
    expect(core).toBeDefined();
  });
});
