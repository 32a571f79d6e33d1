import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspectVenvTarget, venvBinDir, venvPython } from '../src/venv.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'python-venv-target-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('inspectVenvTarget', () => {
  it('accepts a missing or empty folder, and recognises an existing venv by its pyvenv.cfg', () => {
    expect(inspectVenvTarget(path.join(dir, 'new'), 'new')).toBe('absent');
    mkdirSync(path.join(dir, 'empty'));
    expect(inspectVenvTarget(path.join(dir, 'empty'), 'empty')).toBe('empty');
    mkdirSync(path.join(dir, 'old'));
    writeFileSync(path.join(dir, 'old/pyvenv.cfg'), 'home = /usr/bin\n');
    expect(inspectVenvTarget(path.join(dir, 'old'), 'old')).toBe('venv');
  });

  it('refuses a file or a folder holding something else, naming the input', () => {
    writeFileSync(path.join(dir, 'notes.txt'), 'x');
    expect(() => inspectVenvTarget(path.join(dir, 'notes.txt'), 'notes.txt')).toThrow(
      'Input "path": "notes.txt" exists and is not a folder.'
    );
    mkdirSync(path.join(dir, 'src'));
    writeFileSync(path.join(dir, 'src/app.py'), '');
    expect(() => inspectVenvTarget(path.join(dir, 'src'), 'src')).toThrow(
      'Input "path": "src" is a folder that is not empty and not a virtual environment'
    );
  });
});

describe('venv layout', () => {
  it('uses bin/python, and Scripts/python.exe on Windows', () => {
    expect(venvBinDir('/v', 'linux')).toBe('/v/bin');
    expect(venvPython('/v', 'linux')).toBe('/v/bin/python');
    expect(venvPython('/v', 'win32')).toBe(path.join('/v', 'Scripts', 'python.exe'));
  });
});
