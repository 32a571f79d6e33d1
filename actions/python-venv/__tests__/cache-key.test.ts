import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cacheKeys, hashFiles, requirementFilesWithIncludes } from '../src/cache-key.js';

let dir: string;
const write = (name: string, text: string): string => {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
};
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'python-venv-key-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('requirementFilesWithIncludes', () => {
  it('follows -r and -c includes relative to the including file, each file once', () => {
    const dev = write(
      'req/dev.txt',
      '-r base.txt\n--constraint=../constraints.txt\npytest==9.2.0\n'
    );
    const base = write('req/base.txt', 'Django==5.2.19\n-r dev.txt\n');
    const constraints = write('constraints.txt', 'sqlparse<1\n');
    write('req/other.txt', 'unrelated\n');
    expect(requirementFilesWithIncludes([dev, base])).toEqual([dev, base, constraints]);
  });

  it('leaves missing includes and URLs to pip', () => {
    const main = write('requirements.txt', '-r missing.txt\n-r https://example.com/r.txt\nx\n');
    expect(requirementFilesWithIncludes([main])).toEqual([main]);
  });
});

describe('hashFiles', () => {
  it('changes when a pin changes, and when content moves between files', () => {
    const a = write('a.txt', 'Django==5.2.19\n');
    const b = write('b.txt', 'pytest==9.2.0\n');
    const before = hashFiles([a, b]);
    expect(hashFiles([a, b])).toBe(before);
    expect(before).toMatch(/^[0-9a-f]{64}$/);
    write('a.txt', 'Django==5.2.20\n');
    expect(hashFiles([a, b])).not.toBe(before);
    write('a.txt', 'Django==5.2.19\npytest==9.2.0\n');
    write('b.txt', '');
    const moved = hashFiles([a, b]);
    write('a.txt', 'Django==5.2.19\n');
    write('b.txt', 'pytest==9.2.0\n');
    expect(hashFiles([a, b])).not.toBe(moved);
  });
});

describe('cacheKeys', () => {
  it('keys on OS, architecture, Python version and the requirements hash, restoring by prefix', () => {
    const keys = cacheKeys({
      os: 'Linux',
      arch: 'x64',
      pythonVersion: '3.11.7',
      requirementsHash: 'abc123'
    });
    expect(keys).toEqual({
      primaryKey: 'python-venv-pip-v1-Linux-x64-python3.11.7-abc123',
      restoreKeys: ['python-venv-pip-v1-Linux-x64-python3.11.7-']
    });
    const other = cacheKeys({
      os: 'macOS',
      arch: 'arm64',
      pythonVersion: '3.12.1',
      requirementsHash: 'abc123'
    });
    expect(other.primaryKey).not.toBe(keys.primaryKey);
  });
});
