import * as core from '@actions/core';
import { ConfigurationError } from '../../shared/src/errors.js';
import { getOptionalInput } from '../../shared/src/inputs.js';
import { maskSecret } from '../../shared/src/secrets.js';
import { Input } from './constants.js';

/** Everything the gate needs, validated before any request. */
export interface GateInputs {
  token: string;
  owner: string;
  repo: string;
  /** The deployment environment to inspect, e.g. production. */
  environment: string;
  /** The only branch that may deploy to it, e.g. main. */
  branch: string;
  /** Let the job pass although the environment is not protected (and say so loudly). */
  allowUnprotected: boolean;
  /** GitHub's REST API root (GITHUB_API_URL on the runner; GitHub Enterprise differs). */
  apiUrl: string;
}

// GitHub's rules for owner (user or organization) and repository names.
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const REPO = /^[A-Za-z0-9_.-]{1,100}$/;
// fnmatch metacharacters: a name holding one would be read as a pattern by GitHub's branch
// policies, which is exactly what the gate exists to rule out.
const WILDCARD = /[*?[\]{}!\\]/;

/** `owner/name` from GITHUB_REPOSITORY, as the runner sets it. */
export function parseRepository(value: string | undefined): { owner: string; repo: string } {
  const [owner = '', repo = '', ...rest] = (value ?? '').split('/');
  if (rest.length > 0 || !OWNER.test(owner) || !REPO.test(repo) || repo === '.' || repo === '..') {
    throw new ConfigurationError(
      `GITHUB_REPOSITORY must be "owner/name" (the runner sets it), got "${value ?? ''}".`
    );
  }
  return { owner, repo };
}

/** An environment name: at most 255 characters, no wildcard, no control character. */
export function parseEnvironment(value: string): string {
  if (value.length > 255 || WILDCARD.test(value) || /[\p{Cc}]/u.test(value)) {
    throw new ConfigurationError(
      `Input "${Input.Environment}" must be an environment name (at most 255 characters, no ` +
        `wildcards such as * or ?), got "${value}".`
    );
  }
  return value;
}

/**
 * A branch name as git allows it (git check-ref-format), without wildcards and without the
 * refs/heads/ prefix: the gate compares it with the environment's policy entries verbatim.
 */
export function parseBranch(value: string): string {
  const rule =
    `Input "${Input.Branch}" must be one branch name such as main (no wildcards, no ` +
    `refs/heads/ prefix), got "${value}".`;
  if (value.startsWith('refs/')) throw new ConfigurationError(rule);
  const invalid =
    value.length > 255 ||
    WILDCARD.test(value) ||
    /[\s~^:\p{Cc}]/u.test(value) ||
    value.includes('..') ||
    value.includes('@{') ||
    value.includes('//') ||
    value === '@' ||
    /^[-/.]|[/.]$|\.lock$|\/\./.test(value);
  if (invalid) throw new ConfigurationError(rule);
  return value;
}

/**
 * Exactly 'true', 'false' or empty. A repository variable that says "yes" or "1" is an
 * error, not a guess: this switch lets an unprotected deploy through.
 */
export function parseOverride(value: string): boolean {
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  throw new ConfigurationError(
    `Input "${Input.AllowUnprotected}" must be "true", "false" or empty, got "${value}".`
  );
}

function parseApiUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(`GITHUB_API_URL must be a URL, got "${value}".`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigurationError(`GITHUB_API_URL must be http(s), got "${value}".`);
  }
  return value.replace(/\/+$/, '');
}

/** Read and validate every input. Throws a ConfigurationError naming the first bad one. */
export function readInputs(env: NodeJS.ProcessEnv = process.env): GateInputs {
  // Masked before anything else can print it.
  const token = core.getInput(Input.GithubToken).trim();
  maskSecret(token);
  if (token === '') {
    throw new ConfigurationError(
      `Input "${Input.GithubToken}" is empty: leave it unset (it defaults to the workflow's ` +
        'token, github.token) or pass a token that can read the environment.'
    );
  }
  const { owner, repo } = parseRepository(env.GITHUB_REPOSITORY);
  return {
    token,
    owner,
    repo,
    environment: parseEnvironment(getOptionalInput(Input.Environment) ?? 'production'),
    branch: parseBranch(getOptionalInput(Input.Branch) ?? 'main'),
    allowUnprotected: parseOverride(core.getInput(Input.AllowUnprotected).trim()),
    apiUrl: parseApiUrl(env.GITHUB_API_URL ?? 'https://api.github.com')
  };
}
