import type { BranchPolicyEntry, EnvironmentFacts } from './environment.js';

/**
 * The gate's judgement: does the environment let exactly one branch deploy? Pure, so every
 * case is a unit test. "Protected" means "Selected branches and tags" with a single branch
 * rule naming the deploy branch verbatim; anything wider is not.
 */

/** An entry that lets something other than the deploy branch through, and why. */
export interface Offender {
  entry: BranchPolicyEntry;
  reason: string;
}

export interface Verdict {
  protected: boolean;
  /** What the environment allows, in a few words, for the summary table. */
  policy: string;
  /** Why it is not protected (empty when protected). */
  problem: string;
  offenders: Offender[];
  /** Whether the deploy branch itself is among the entries. */
  hasBranch: boolean;
}

// fnmatch metacharacters: an entry holding one is a pattern, not a branch name.
const WILDCARD = /[*?[\]{}\\]/;

function describeEntry(entry: BranchPolicyEntry): string {
  return `${entry.type} "${entry.name}"`;
}

function offence(entry: BranchPolicyEntry, branch: string): string | undefined {
  if (entry.type === 'tag') {
    return 'a tag rule (a matching tag on any commit could deploy)';
  }
  if (WILDCARD.test(entry.name)) {
    return 'a pattern (every branch matching it could deploy)';
  }
  if (entry.name !== branch) return 'a second branch (it could deploy too)';
  return undefined;
}

export function judge(facts: EnvironmentFacts, branch: string): Verdict {
  const setting = facts.branchPolicy;
  if (setting === null) {
    return {
      protected: false,
      policy: 'All branches (no restriction)',
      problem: `every branch can deploy to "${facts.name}" (Deployment branches and tags: No restriction)`,
      offenders: [],
      hasBranch: false
    };
  }
  if (!setting.customBranchPolicies) {
    // protected_branches: true. Any branch someone protects (a release branch, a feature
    // branch with a rule) qualifies; GitHub does not say which branches that is.
    return {
      protected: false,
      policy: 'Protected branches only',
      problem:
        `"Protected branches only" lets every branch that has a branch protection rule deploy ` +
        `to "${facts.name}", not only ${branch}; anyone who may add a protection rule widens it`,
      offenders: [],
      hasBranch: false
    };
  }
  const offenders: Offender[] = [];
  for (const entry of facts.entries) {
    const reason = offence(entry, branch);
    if (reason) offenders.push({ entry, reason });
  }
  const hasBranch = facts.entries.some((e) => offence(e, branch) === undefined);
  const listed = facts.entries.map(describeEntry).join(', ') || 'none';
  const policy = `Selected branches and tags: ${listed}`;
  if (offenders.length > 0) {
    return {
      protected: false,
      policy,
      problem:
        `"${facts.name}" lets more than ${branch} deploy: ` +
        offenders.map((o) => `${describeEntry(o.entry)} is ${o.reason}`).join('; '),
      offenders,
      hasBranch
    };
  }
  if (!hasBranch) {
    return {
      protected: false,
      policy,
      problem:
        `"${facts.name}" uses Selected branches and tags but lists no rule, so ${branch} ` +
        'cannot deploy either',
      offenders,
      hasBranch
    };
  }
  return { protected: true, policy, problem: '', offenders, hasBranch };
}
