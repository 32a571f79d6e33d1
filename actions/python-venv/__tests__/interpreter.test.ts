import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigurationError } from '../../shared/src/errors.js';
import {
  probeInterpreter,
  resolveInterpreter,
  toolCacheInterpreters,
  versionMatches
} from '../src/interpreter.js';

// The machine's own Python 3 (the suite's prerequisite), found the way the action looks.
let python3: string;
let version: string;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'python-venv-interp-'));
  const found = await resolveInterpreter('3', dir);
  python3 = found.executable ?? found.path;
  version = found.version;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('versionMatches', () => {
  it.each([
    ['3', '3.11.7', true],
    ['3.11', '3.11.7', true],
    ['3.11.7', '3.11.7', true],
    ['3.1', '3.11.7', false],
    ['3.12', '3.11.7', false],
    ['2', '3.11.7', false]
  ])('%s against %s is %s', (spec, actual, expected) => {
    expect(versionMatches(spec, actual)).toBe(expected);
  });
});

describe('resolveInterpreter', () => {
  it('finds the Python on PATH by its major.minor version and checks it by running it', async () => {
    const minor = version.split('.').slice(0, 2).join('.');
    const found = await resolveInterpreter(minor, dir);
    expect(found.version).toBe(version);
    expect(await probeInterpreter(found.path)).toMatchObject({ version });
  });

  it('accepts a path to an interpreter', async () => {
    await expect(resolveInterpreter(python3, dir)).resolves.toMatchObject({
      path: python3,
      version
    });
  });

  it("prefers the runner's tool cache, as actions/setup-python lays it out", async () => {
    const cached = path.join(dir, 'toolcache', 'Python', version, 'x64', 'bin');
    mkdirSync(cached, { recursive: true });
    symlinkSync(python3, path.join(cached, 'python3'));
    const env = { PATH: '', RUNNER_TOOL_CACHE: path.join(dir, 'toolcache') };
    expect(toolCacheInterpreters(env)).toEqual([{ version, path: path.join(cached, 'python3') }]);
    await expect(resolveInterpreter(version, dir, env)).resolves.toMatchObject({
      path: path.join(cached, 'python3'),
      version
    });
  });

  it('rejects an unknown version, naming the input and listing what PATH and the tool cache hold', async () => {
    const env = { PATH: path.dirname(python3), RUNNER_TOOL_CACHE: path.join(dir, 'empty-cache') };
    const attempt = resolveInterpreter('3.99', dir, env);
    await expect(attempt).rejects.toThrow(ConfigurationError);
    await expect(attempt).rejects.toThrow(
      new RegExp(
        `^Input "python-version": no Python 3\\.99 was found; on PATH: .*${version.replace(/\./g, '\\.')} \\(.*\\); nothing in the runner's tool cache \\(.*empty-cache/Python\\)\\. Install it first`
      )
    );
  });

  it('says so when no Python is on PATH and there is no tool cache', async () => {
    await expect(resolveInterpreter('3.11', dir, { PATH: dir })).rejects.toThrow(
      'no Python 3.11 was found; no Python interpreter on PATH; no runner tool cache (RUNNER_TOOL_CACHE is not set).'
    );
  });

  it.each([
    [
      'a word',
      'latest',
      'Input "python-version" must be a version such as 3.11 or a path to an interpreter, got "latest".'
    ],
    [
      'a missing file',
      './no/python',
      'Input "python-version": interpreter "./no/python" does not exist.'
    ]
  ])('rejects %s, naming the input', async (_what, spec, message) => {
    await expect(resolveInterpreter(spec, dir)).rejects.toThrow(message);
  });

  it('rejects a file that is not executable, or not a Python', async () => {
    const notExecutable = path.join(dir, 'python-text');
    writeFileSync(notExecutable, 'not a program');
    await expect(resolveInterpreter(notExecutable, dir)).rejects.toThrow(
      'is not an executable file.'
    );
    const notPython = path.join(dir, 'python-false');
    writeFileSync(notPython, '#!/bin/sh\nexit 1\n');
    chmodSync(notPython, 0o755);
    await expect(resolveInterpreter(notPython, dir)).rejects.toThrow(
      'did not run as a Python interpreter.'
    );
  });
});
