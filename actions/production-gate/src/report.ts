import { markdownTable } from '../../shared/src/summary.js';
import { OVERRIDE_VARIABLE } from './constants.js';
import type { EnvironmentFacts, Reviewer, Target } from './environment.js';
import type { Verdict } from './verdict.js';

/** The words people read: the failure message, the override banner and the summary table. */

export function reviewerList(reviewers: readonly Reviewer[]): string {
  return reviewers.map((r) => r.name).join(',');
}

function reviewerText(facts: EnvironmentFacts): string {
  if (facts.reviewers.length === 0) return 'none (deploys need no approval)';
  const names = facts.reviewers.map((r) => (r.type === 'Team' ? `team ${r.name}` : r.name));
  return names.join(', ') + (facts.preventSelfReview ? ' (no self-review)' : '');
}

/** Step by step, what to change in the repository settings so only `branch` can deploy. */
export function fixSteps(
  target: Target,
  branch: string,
  facts: EnvironmentFacts,
  verdict: Verdict
): string[] {
  const env = target.environment;
  const steps = [
    `Settings → Environments → ${env} → Deployment branches and tags.`,
    'Choose "Selected branches and tags" (not "No restriction", not "Protected branches only").'
  ];
  if (verdict.offenders.length > 0) {
    steps.push(
      `Delete ${verdict.offenders.length === 1 ? 'the rule' : 'the rules'} ` +
        verdict.offenders.map((o) => `${o.entry.type} "${o.entry.name}"`).join(', ') +
        ' (the trash icon beside each rule).'
    );
  }
  if (!verdict.hasBranch) {
    steps.push(
      `Add deployment branch or tag rule → Ref type: Branch → Name pattern: ${branch} ` +
        '(exactly that, no wildcard) → Add rule.'
    );
  }
  if (facts.reviewers.length === 0) {
    steps.push('While there, add Required reviewers, so every deploy waits for an approval.');
  }
  return steps;
}

/** The same fix with the GitHub CLI, where it is safe: only when the environment already
 *  uses selected branches (changing the setting itself is a PUT of the whole environment,
 *  which would drop reviewers and wait timer not repeated in it). */
export function cliSteps(
  target: Target,
  branch: string,
  verdict: Verdict,
  facts: EnvironmentFacts
): string[] {
  if (!facts.branchPolicy?.customBranchPolicies) return [];
  const base = `repos/${target.owner}/${target.repo}/environments/${encodeURIComponent(target.environment)}/deployment-branch-policies`;
  const lines = verdict.offenders
    .filter((o) => o.entry.id !== undefined)
    .map((o) => `gh api -X DELETE ${base}/${o.entry.id}   # ${o.entry.type} "${o.entry.name}"`);
  if (!verdict.hasBranch) lines.push(`gh api -X POST ${base} -f name=${branch} -f type=branch`);
  return lines;
}

/** The failure message of an unprotected environment. */
export function unprotectedMessage(
  target: Target,
  branch: string,
  facts: EnvironmentFacts,
  verdict: Verdict
): string {
  const cli = cliSteps(target, branch, verdict, facts);
  return [
    `The environment "${target.environment}" of ${target.owner}/${target.repo} is not protected: ` +
      `${verdict.problem}. A job that names it (environment: ${target.environment}) gets its ` +
      'secrets and its deployment credentials from any branch it allows.',
    `Set it so that only ${branch} can deploy:`,
    ...fixSteps(target, branch, facts, verdict).map((s, i) => `  ${i + 1}. ${s}`),
    ...(cli.length > 0
      ? ['Or with the GitHub CLI (as a repository admin):', ...cli.map((l) => `  ${l}`)]
      : []),
    `To deploy anyway, knowingly, set the repository variable ${OVERRIDE_VARIABLE} to true ` +
      '(Settings → Secrets and variables → Actions → Variables); each run then says so at the top ' +
      'of its summary.'
  ].join('\n');
}

/** The bold first line of the summary when the override let an unprotected deploy through. */
export function overrideBanner(target: Target, branch: string): string {
  return (
    `**⚠️ Production is not protected: the environment "${target.environment}" does not ` +
    `restrict deployments to ${branch}, and the override variable ${OVERRIDE_VARIABLE} is ` +
    'set, so this deploy went ahead anyway.**'
  );
}

export type Outcome = 'protected' | 'refused' | 'overridden';

const HEADINGS: Record<Outcome, string> = {
  protected: '### Production gate — ✅ protected',
  refused: '### Production gate — ❌ not protected, deploy refused',
  overridden: '### Production gate — ⚠️ not protected, allowed by override'
};

const VERDICTS: Record<Outcome, (branch: string) => string> = {
  protected: (branch) => `✅ only ${branch} can deploy`,
  refused: () => '❌ not protected: refused',
  overridden: () => `⚠️ not protected: allowed by ${OVERRIDE_VARIABLE}`
};

/** The job summary: banner (override only), heading, one table row, then what to fix. */
export function summary(
  target: Target,
  branch: string,
  facts: EnvironmentFacts,
  verdict: Verdict,
  outcome: Outcome
): string {
  const environment = facts.htmlUrl
    ? `[${target.environment}](${facts.htmlUrl})`
    : target.environment;
  const lines: string[] = [];
  if (outcome === 'overridden') lines.push(overrideBanner(target, branch), '');
  lines.push(
    HEADINGS[outcome],
    '',
    markdownTable(
      ['Environment', 'Branch policy found', 'Reviewers', 'Wait timer', 'Verdict'],
      [
        [
          environment,
          verdict.policy,
          reviewerText(facts),
          facts.waitTimer > 0 ? `${facts.waitTimer} min` : 'none',
          VERDICTS[outcome](branch)
        ]
      ]
    ),
    ''
  );
  if (!verdict.protected) {
    lines.push(
      `**Why:** ${verdict.problem}.`,
      '',
      `**To protect it** (only ${branch} may deploy):`,
      '',
      ...fixSteps(target, branch, facts, verdict).map((s, i) => `${i + 1}. ${s}`),
      ''
    );
  }
  return lines.join('\n');
}

/** The summary when the environment could not be judged (missing, or the token refused). */
export function errorSummary(target: Target, heading: string, message: string): string {
  return [
    `### Production gate — ❌ ${heading}`,
    '',
    markdownTable(['Environment', 'Verdict'], [[target.environment, `❌ ${heading}`]]),
    '',
    '```text',
    message,
    '```',
    ''
  ].join('\n');
}
