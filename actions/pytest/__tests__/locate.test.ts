import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestCase } from '../src/junit.js';
import { locateFailure, tracebackPositions } from '../src/locate.js';

let workspace: string;
let project: string;

beforeAll(() => {
  workspace = mkdtempSync(path.join(tmpdir(), 'pytest-locate-'));
  project = path.join(workspace, 'app');
  for (const file of ['tests/test_cart.py', 'tests/conftest.py', 'cart/models.py']) {
    mkdirSync(path.dirname(path.join(project, file)), { recursive: true });
    writeFileSync(path.join(project, file), '# test file\n');
  }
  mkdirSync(path.join(project, '.venv/lib/python3.11/site-packages/django'), { recursive: true });
  writeFileSync(path.join(project, '.venv/lib/python3.11/site-packages/django/base.py'), '');
});
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

const failed = (extra: Partial<TestCase>): TestCase => ({
  classname: 'tests.test_cart',
  name: 'test_total',
  time: 0,
  outcome: 'failed',
  ...extra
});

describe('tracebackPositions', () => {
  it('reads long, short and native traceback styles in order', () => {
    const text = [
      'tests/test_cart.py:12: in test_total',
      '    cart.total()',
      'cart/models.py:40: ValueError',
      '  File "/abs/app/cart/models.py", line 41, in total'
    ].join('\n');
    expect(tracebackPositions(text)).toEqual([
      { file: 'tests/test_cart.py', line: 12 },
      { file: 'cart/models.py', line: 40 },
      { file: '/abs/app/cart/models.py', line: 41 }
    ]);
  });
});

describe('locateFailure', () => {
  const ctx = () => ({ cwd: project, workspace });

  it('annotates the deepest traceback line in the project, relative to the workspace', () => {
    const details = 'tests/test_cart.py:12: in test_total\ncart/models.py:40: ValueError';
    expect(locateFailure(failed({ details }), ctx())).toEqual({
      file: 'app/cart/models.py',
      line: 40
    });
  });

  it('skips frames inside installed packages and outside the workspace', () => {
    const details = [
      'tests/test_cart.py:12: in test_total',
      '.venv/lib/python3.11/site-packages/django/base.py:99: in execute',
      '/usr/lib/python3.11/json/decoder.py:355: JSONDecodeError'
    ].join('\n');
    expect(locateFailure(failed({ details }), ctx())).toEqual({
      file: 'app/tests/test_cart.py',
      line: 12
    });
  });

  it('resolves absolute paths from native tracebacks', () => {
    const details = `  File "${project}/tests/conftest.py", line 8, in gateway`;
    expect(locateFailure(failed({ details }), ctx())).toEqual({
      file: 'app/tests/conftest.py',
      line: 8
    });
  });

  it("falls back to the test's def line (0-based in the report) and then to its module", () => {
    expect(locateFailure(failed({ file: 'tests/test_cart.py', line: 9 }), ctx())).toEqual({
      file: 'app/tests/test_cart.py',
      line: 10
    });
    expect(locateFailure(failed({ classname: 'tests.test_cart.TestCart' }), ctx())).toEqual({
      file: 'app/tests/test_cart.py',
      line: 1
    });
  });

  it('resolves report paths against pytest rootdir when it differs from the working directory', () => {
    const c = failed({ file: 'app/tests/test_cart.py', line: 0 });
    expect(locateFailure(c, { cwd: project, rootdir: workspace, workspace })).toEqual({
      file: 'app/tests/test_cart.py',
      line: 1
    });
  });

  it('gives up (no location, so no file in the annotation) when nothing is in the project', () => {
    expect(
      locateFailure(failed({ classname: 'nowhere.mod', details: 'x.py:1: E' }), ctx())
    ).toBeUndefined();
  });
});
