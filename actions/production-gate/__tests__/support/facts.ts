import type { BranchPolicyEntry, EnvironmentFacts } from '../../src/environment.js';

/** Named environments the verdict and run tests share. */

export const branch = (name: string, id = 1): BranchPolicyEntry => ({ id, name, type: 'branch' });
export const tag = (name: string, id = 9): BranchPolicyEntry => ({ id, name, type: 'tag' });

export function facts(overrides: Partial<EnvironmentFacts> = {}): EnvironmentFacts {
  return {
    name: 'production',
    htmlUrl:
      'https://github.com/octo-org/shop/deployments/activity_log?environments_filter=production',
    branchPolicy: { protectedBranches: false, customBranchPolicies: true },
    entries: [branch('main')],
    reviewers: [
      { type: 'User', name: 'alice' },
      { type: 'Team', name: 'ops' }
    ],
    waitTimer: 5,
    preventSelfReview: false,
    ...overrides
  };
}

export const PROTECTED = facts();
export const PROTECTED_BRANCHES_ONLY = facts({
  branchPolicy: { protectedBranches: true, customBranchPolicies: false },
  entries: []
});
export const ALL_BRANCHES = facts({ branchPolicy: null, entries: [], reviewers: [], waitTimer: 0 });
