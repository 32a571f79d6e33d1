import { describe, expect, test } from '@jest/globals';
import { ConfigurationError } from '../../shared/src/errors.js';
import { computeTags, sanitizeTag, validateExtraTags } from '../src/tags.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';

describe('computeTags', () => {
  test('a push to main: sha-<short> and the branch', () => {
    expect(computeTags({ sha: SHA, ref: 'refs/heads/main', eventName: 'push' }, [], false)).toEqual(
      {
        tags: ['sha-0123456', 'main'],
        version: 'main',
        pullRequest: false
      }
    );
  });

  test('a branch with slashes becomes a valid tag', () => {
    const plan = computeTags(
      { sha: SHA, ref: 'refs/heads/feature/Cart#2', eventName: 'push' },
      [],
      false
    );
    expect(plan.tags).toEqual(['sha-0123456', 'feature-Cart-2']);
  });

  test('a pull request: sha-<short> and pr-<n>, marked as a pull request', () => {
    expect(
      computeTags({ sha: SHA, ref: 'refs/pull/42/merge', eventName: 'pull_request' }, [], false)
    ).toEqual({ tags: ['sha-0123456', 'pr-42'], version: 'pr-42', pullRequest: true });
  });

  test('a semver tag: the full version, major.minor and major', () => {
    const plan = computeTags({ sha: SHA, ref: 'refs/tags/v1.4.2', eventName: 'push' }, [], false);
    expect(plan.tags).toEqual(['sha-0123456', '1.4.2', '1.4', '1']);
    expect(plan.version).toBe('1.4.2');
  });

  test('a 0.x release does not claim the major tag 0', () => {
    const plan = computeTags({ sha: SHA, ref: 'refs/tags/v0.3.0', eventName: 'push' }, [], false);
    expect(plan.tags).toEqual(['sha-0123456', '0.3.0', '0.3']);
  });

  test('a pre-release gets only its full version', () => {
    const plan = computeTags(
      { sha: SHA, ref: 'refs/tags/v2.0.0-rc.1', eventName: 'push' },
      [],
      false
    );
    expect(plan.tags).toEqual(['sha-0123456', '2.0.0-rc.1']);
  });

  test('a non-semver tag is used as it is (sanitized)', () => {
    const plan = computeTags(
      { sha: SHA, ref: 'refs/tags/release-2026.11', eventName: 'push' },
      [],
      false
    );
    expect(plan.tags).toEqual(['sha-0123456', 'release-2026.11']);
  });

  test('latest only when asked, and extra tags after the computed ones', () => {
    const plan = computeTags(
      { sha: SHA, ref: 'refs/heads/main', eventName: 'push' },
      ['stable'],
      true
    );
    expect(plan.tags).toEqual(['sha-0123456', 'main', 'stable', 'latest']);
  });

  test('latest on a pull request is refused', () => {
    expect(() =>
      computeTags({ sha: SHA, ref: 'refs/pull/7/merge', eventName: 'pull_request' }, [], true)
    ).toThrow('a pull request must never move the latest tag');
  });

  test('a malformed commit id is a bug, not a configuration error', () => {
    expect(() =>
      computeTags({ sha: 'abc', ref: 'refs/heads/main', eventName: 'push' }, [], false)
    ).toThrow('GITHUB_SHA is not a commit id');
  });
});

describe('validateExtraTags', () => {
  test.each([
    ['an image name in a tag', 'acme/shop:v1', 'tags only'],
    ['a tag starting with a dash', '-v1', 'invalid tag "-v1"'],
    ['a tag with a space', 'v 1', 'invalid tag "v 1"'],
    ['latest', 'latest', 'set the "latest" input to true instead']
  ])('%s is refused', (_name, tag, message) => {
    expect(() => validateExtraTags('tags', [tag])).toThrow(ConfigurationError);
    expect(() => validateExtraTags('tags', [tag])).toThrow(message);
  });

  test('valid tags pass through', () => {
    expect(validateExtraTags('tags', ['stable', 'v1.2_rc'])).toEqual(['stable', 'v1.2_rc']);
  });

  test('sanitizeTag trims leading separators and caps the length', () => {
    expect(sanitizeTag('..-x')).toBe('x');
    expect(sanitizeTag('a'.repeat(200))).toHaveLength(128);
  });
});
