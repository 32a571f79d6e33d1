import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigurationError } from '../src/errors.js';
import {
  getBooleanInput,
  getChoiceInput,
  getIntegerInput,
  getJsonInput,
  getKeyValueInput,
  getListInput,
  getOptionalInput,
  getRequiredInput,
  resolveExistingPath
} from '../src/inputs.js';

const setInput = (name: string, value: string): void => {
  process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
};

afterEach(() => {
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_')) delete process.env[key];
});

describe('input readers', () => {
  it('a required input that is empty names the input', () => {
    setInput('role-arn', '  ');
    expect(() => getRequiredInput('role-arn')).toThrow(
      new ConfigurationError('Input "role-arn" is required but was empty.')
    );
  });

  it('an optional input is undefined when empty and trimmed otherwise', () => {
    expect(getOptionalInput('region')).toBeUndefined();
    setInput('region', ' us-east-1 ');
    expect(getOptionalInput('region')).toBe('us-east-1');
  });

  it('booleans accept only YAML 1.2 spellings', () => {
    expect(getBooleanInput('dry-run', false)).toBe(false);
    setInput('dry-run', 'True');
    expect(getBooleanInput('dry-run', false)).toBe(true);
    setInput('dry-run', 'yes');
    expect(() => getBooleanInput('dry-run', false)).toThrow(
      'Input "dry-run" must be true or false, got "yes".'
    );
  });

  it('integers are checked for form and bounds', () => {
    expect(getIntegerInput('max-issues', { defaultValue: 20 })).toBe(20);
    setInput('max-issues', '5');
    expect(getIntegerInput('max-issues', { min: 1, max: 100 })).toBe(5);
    setInput('max-issues', '2.5');
    expect(() => getIntegerInput('max-issues')).toThrow(
      'Input "max-issues" must be a whole number, got "2.5".'
    );
    setInput('max-issues', '0');
    expect(() => getIntegerInput('max-issues', { min: 1 })).toThrow(
      'Input "max-issues" must be at least 1, got 0.'
    );
    setInput('max-issues', '101');
    expect(() => getIntegerInput('max-issues', { max: 100 })).toThrow(
      'Input "max-issues" must be at most 100, got 101.'
    );
  });

  it('choices list what is allowed', () => {
    setInput('source', 'mysql');
    expect(() => getChoiceInput('source', ['postgres', 'sqlite', 'csv'])).toThrow(
      'Input "source" must be one of postgres, sqlite, csv, got "mysql".'
    );
  });

  it('lists split on lines and commas, dropping blanks and comments', () => {
    setInput('requirements', 'a.txt, b.txt\n# a comment\n\n c.txt ');
    expect(getListInput('requirements')).toEqual(['a.txt', 'b.txt', 'c.txt']);
  });

  it('key=value lines keep "=" inside values and reject lines without a key', () => {
    setInput('variables', 'image=repo/app@sha256:abc\nurl=http://x/?a=b\n');
    expect(getKeyValueInput('variables')).toEqual({
      image: 'repo/app@sha256:abc',
      url: 'http://x/?a=b'
    });
    setInput('variables', '=nokey');
    expect(() => getKeyValueInput('variables')).toThrow(
      'Input "variables" must hold KEY=value lines, got "=nokey".'
    );
  });

  it('JSON input reports the parse error', () => {
    setInput('tags', '{"a": 1');
    expect(() => getJsonInput('tags')).toThrow(/^Input "tags" is not valid JSON: /);
  });

  it('paths must exist and be of the right kind', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'inputs-'));
    const file = path.join(dir, 'requirements.txt');
    writeFileSync(file, 'django\n');
    expect(resolveExistingPath('requirements', file, 'file')).toBe(file);
    expect(() => resolveExistingPath('requirements', dir, 'file')).toThrow(
      `Input "requirements": "${dir}" is not a file.`
    );
    expect(() =>
      resolveExistingPath('working-directory', path.join(dir, 'nope'), 'directory')
    ).toThrow(`Input "working-directory": directory "${path.join(dir, 'nope')}" does not exist.`);
  });
});
