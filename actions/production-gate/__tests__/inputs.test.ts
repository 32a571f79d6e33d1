import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { clearRegisteredSecrets } from '../../shared/src/secrets.js';
import { readInputs } from '../src/inputs.js';

// Through the real input path: INPUT_* variables, read by @actions/core as on a runner.
const TOKEN = 'ghs_16C7e42F292c6912E7710c838347Ae178B4a';
const env = { GITHUB_REPOSITORY: 'octo-org/shop', GITHUB_API_URL: 'https://api.github.com' };

function setInputs(inputs: Record<string, string>): void {
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_')) delete process.env[key];
  for (const [name, value] of Object.entries(inputs)) {
    process.env[`INPUT_${name.toUpperCase()}`] = value;
  }
}

let stdout: string[];
beforeEach(() => {
  stdout = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout.push(String(chunk));
    return true;
  });
  clearRegisteredSecrets();
  setInputs({ 'github-token': TOKEN });
});
afterEach(() => {
  jest.restoreAllMocks();
  setInputs({});
});

describe('inputs', () => {
  it('defaults: production, main, no override; the repository from GITHUB_REPOSITORY', () => {
    expect(readInputs(env)).toEqual({
      token: TOKEN,
      owner: 'octo-org',
      repo: 'shop',
      environment: 'production',
      branch: 'main',
      allowUnprotected: false,
      apiUrl: 'https://api.github.com'
    });
  });

  it('masks the token before anything else, and never prints it', () => {
    readInputs(env);
    expect(stdout[0]).toBe(`::add-mask::${TOKEN}\n`);
    expect(stdout.slice(1).join('')).not.toContain(TOKEN);
  });

  it('masks the token even when a later input is bad', () => {
    setInputs({ 'github-token': TOKEN, 'allow-unprotected': 'yes' });
    expect(() => readInputs(env)).toThrow();
    expect(stdout.join('')).toContain(`::add-mask::${TOKEN}`);
  });

  it.each([
    ['true', true],
    ['false', false],
    ['', false],
    [' true ', true]
  ])('allow-unprotected %j → %s', (value, expected) => {
    setInputs({ 'github-token': TOKEN, 'allow-unprotected': value });
    expect(readInputs(env).allowUnprotected).toBe(expected);
  });

  it.each(['yes', '1', 'True', 'TRUE', 'on', 'false!'])(
    'allow-unprotected %j is an error naming the input',
    (value) => {
      setInputs({ 'github-token': TOKEN, 'allow-unprotected': value });
      expect(() => readInputs(env)).toThrow(
        `Input "allow-unprotected" must be "true", "false" or empty, got "${value}".`
      );
    }
  );

  it('custom environment and branch names are kept as given', () => {
    setInputs({ 'github-token': TOKEN, environment: 'prod eu', branch: 'release/2026' });
    expect(readInputs(env)).toMatchObject({ environment: 'prod eu', branch: 'release/2026' });
  });

  it.each(['prod*', 'pro?', 'prod[1]', 'x'.repeat(256)])(
    'environment %j is refused, naming the input',
    (value) => {
      setInputs({ 'github-token': TOKEN, environment: value });
      expect(() => readInputs(env)).toThrow('Input "environment" must be an environment name');
    }
  );

  it.each([
    '*',
    'release/*',
    'ma?n',
    'refs/heads/main',
    'a..b',
    'with space',
    '-main',
    'main/',
    'main.lock',
    'a~1',
    'a:b',
    'x@{1}'
  ])('branch %j is refused, naming the input', (value) => {
    setInputs({ 'github-token': TOKEN, branch: value });
    expect(() => readInputs(env)).toThrow('Input "branch" must be one branch name');
  });

  it.each([undefined, '', 'octo-org', 'octo-org/shop/extra', '-bad/shop', 'octo-org/..'])(
    'GITHUB_REPOSITORY %j is refused',
    (value) => {
      expect(() => readInputs({ ...env, GITHUB_REPOSITORY: value })).toThrow(
        'GITHUB_REPOSITORY must be "owner/name"'
      );
    }
  );

  it('an empty token is refused with what to pass instead', () => {
    setInputs({ 'github-token': '' });
    expect(() => readInputs(env)).toThrow(/Input "github-token" is empty.*github\.token/);
  });

  it('GitHub Enterprise: GITHUB_API_URL is used, without a trailing slash; a non-URL is refused', () => {
    expect(readInputs({ ...env, GITHUB_API_URL: 'https://ghe.example.com/api/v3/' }).apiUrl).toBe(
      'https://ghe.example.com/api/v3'
    );
    expect(() => readInputs({ ...env, GITHUB_API_URL: 'api.github.com' })).toThrow(
      'GITHUB_API_URL must be a URL'
    );
  });
});
