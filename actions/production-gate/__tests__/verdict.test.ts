import { describe, expect, it } from '@jest/globals';
import { judge } from '../src/verdict.js';
import {
  ALL_BRANCHES,
  PROTECTED,
  PROTECTED_BRANCHES_ONLY,
  branch,
  facts,
  tag
} from './support/facts.js';

describe('verdict', () => {
  it('one branch rule naming exactly main: protected', () => {
    const verdict = judge(PROTECTED, 'main');
    expect(verdict).toMatchObject({ protected: true, problem: '', offenders: [], hasBranch: true });
    expect(verdict.policy).toBe('Selected branches and tags: branch "main"');
  });

  it('the deploy branch is compared verbatim: main is not Main, and another deploy branch is judged by its own name', () => {
    expect(judge(facts({ entries: [branch('Main')] }), 'main').protected).toBe(false);
    expect(judge(facts({ entries: [branch('release')] }), 'release').protected).toBe(true);
  });

  it('"Protected branches only": not protected, and the reason says any protected branch could deploy', () => {
    const verdict = judge(PROTECTED_BRANCHES_ONLY, 'main');
    expect(verdict.protected).toBe(false);
    expect(verdict.policy).toBe('Protected branches only');
    expect(verdict.problem).toContain('every branch that has a branch protection rule deploy');
    expect(verdict.problem).toContain('not only main');
  });

  it('no deployment branch policy (all branches): not protected', () => {
    const verdict = judge(ALL_BRANCHES, 'main');
    expect(verdict.protected).toBe(false);
    expect(verdict.policy).toBe('All branches (no restriction)');
    expect(verdict.problem).toContain('every branch can deploy');
  });

  it('main plus a second branch: not protected, naming the second branch', () => {
    const verdict = judge(facts({ entries: [branch('main', 1), branch('develop', 2)] }), 'main');
    expect(verdict.protected).toBe(false);
    expect(verdict.hasBranch).toBe(true);
    expect(verdict.offenders.map((o) => o.entry.name)).toEqual(['develop']);
    expect(verdict.problem).toContain('branch "develop" is a second branch');
  });

  it.each(['*', 'release/*', 'ma?n', 'm[a]in', '{main,dev}'])(
    'a pattern entry %s: not protected, named as a pattern',
    (pattern) => {
      const verdict = judge(facts({ entries: [branch('main', 1), branch(pattern, 2)] }), 'main');
      expect(verdict.protected).toBe(false);
      expect(verdict.problem).toContain(`branch "${pattern}" is a pattern`);
    }
  );

  it('a wildcard alone, even one that matches main: not protected', () => {
    const verdict = judge(facts({ entries: [branch('*')] }), 'main');
    expect(verdict.protected).toBe(false);
    expect(verdict.hasBranch).toBe(false);
    expect(verdict.problem).toContain('branch "*" is a pattern');
  });

  it('a tag rule: not protected, named as a tag rule even when it is called main', () => {
    const verdict = judge(facts({ entries: [branch('main', 1), tag('v*', 2)] }), 'main');
    expect(verdict.protected).toBe(false);
    expect(verdict.problem).toContain('tag "v*" is a tag rule');
    const sameName = judge(facts({ entries: [tag('main')] }), 'main');
    expect(sameName.protected).toBe(false);
    expect(sameName.problem).toContain('tag "main" is a tag rule');
  });

  it('selected branches with no rule at all: not protected (main could not deploy either)', () => {
    const verdict = judge(facts({ entries: [] }), 'main');
    expect(verdict.protected).toBe(false);
    expect(verdict.policy).toBe('Selected branches and tags: none');
    expect(verdict.problem).toContain('lists no rule');
  });

  it('several problems: each entry is named', () => {
    const verdict = judge(
      facts({ entries: [branch('dev', 1), branch('release/*', 2), tag('v1', 3)] }),
      'main'
    );
    expect(verdict.offenders.map((o) => o.entry.name)).toEqual(['dev', 'release/*', 'v1']);
    expect(verdict.hasBranch).toBe(false);
  });
});
