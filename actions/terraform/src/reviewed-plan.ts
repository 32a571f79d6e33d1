import { ConfigurationError } from '../../shared/src/errors.js';
import {
  compareFingerprints,
  describeDifference,
  type Fingerprint,
  type FingerprintDifference
} from './fingerprint.js';
import {
  listComments,
  pullRequestsMergedAs,
  type GitHubApi,
  type MergedPullRequest,
  type Repository
} from './github.js';
import { commentMarker, parsePlanComment, type ReviewedPlan } from './plan-comment.js';

/**
 * After a merge: is the plan about to be applied the one reviewed on the pull request? The
 * pull request is the one merged into the deploy branch as this very commit; its plan comment
 * counts only when the workflow's bot wrote it, for the head commit that was merged, into this
 * branch; then both plans must make the same changes to the same resources.
 */
export interface ReviewCheck {
  api: GitHubApi;
  repository: Repository;
  /** The commit being deployed (GITHUB_SHA on a push). */
  commit: string;
  /** The branch being deployed. */
  branch: string;
  root: string;
  /** The only author whose plan comments are trusted (the token that wrote them). */
  author: string;
  /** Refuse a plan with changes when no reviewed plan exists (a direct push). */
  require: boolean;
}

export type ReviewVerdict =
  | { status: 'matches'; pullRequest: MergedPullRequest; reviewed: ReviewedPlan }
  | { status: 'nothing-to-review'; pullRequest: MergedPullRequest | undefined }
  | { status: 'unreviewed'; reason: string };

/** What the check found, for the job summary. */
export function verdictMarkdown(verdict: ReviewVerdict): string {
  switch (verdict.status) {
    case 'matches':
      return (
        `✅ **Matches the plan reviewed on [#${verdict.pullRequest.number}](${verdict.pullRequest.url})** ` +
        `(head \`${verdict.reviewed.headSha.slice(0, 12)}\`, fingerprint \`${verdict.reviewed.digest.slice(0, 16)}\`).`
      );
    case 'nothing-to-review':
      return '✅ **Nothing to review:** this plan changes no resource beyond the values the deploy sets itself (the images).';
    case 'unreviewed':
      return `⚠️ **Not reviewed on a pull request:** ${verdict.reason}`;
  }
}

function list(differences: readonly FingerprintDifference[]): string {
  return differences.map((d) => `  - ${describeDifference(d)}`).join('\n');
}

/** Find the reviewed plan and hold `current` to it; throws a ConfigurationError on refusal. */
export async function checkReviewedPlan(
  check: ReviewCheck,
  current: Fingerprint
): Promise<{ verdict: ReviewVerdict; ignored: string[] }> {
  const ignored: string[] = [];
  const pulls = await pullRequestsMergedAs(check.api, check.repository, check.commit, check.branch);
  const pull = pulls[0];
  if (pulls.length > 1) {
    throw new ConfigurationError(
      `Refusing to apply: commit ${check.commit} is the merge commit of several pull requests ` +
        `(${pulls.map((p) => `#${p.number}`).join(', ')}); cannot tell which plan was reviewed.`
    );
  }

  let reviewed: ReviewedPlan | undefined;
  let missing = '';
  if (!pull) {
    missing = `commit ${check.commit.slice(0, 12)} was not merged into ${check.branch} by a pull request (a direct push?)`;
  } else {
    const comments = await listComments(check.api, check.repository, pull.number);
    const candidates = comments.filter((c) => c.body.startsWith(commentMarker(check.root)));
    for (const c of candidates) {
      if (c.author !== check.author || c.authorType !== 'Bot') {
        ignored.push(
          `comment ${c.html_url} by ${c.author || 'an unknown user'}: only ${check.author} writes plan comments`
        );
      }
    }
    const trusted = candidates
      .filter((c) => c.author === check.author && c.authorType === 'Bot')
      .sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : -1));
    const latest = trusted[0];
    if (!latest) {
      missing = `pull request #${pull.number} has no plan comment by ${check.author}`;
    } else {
      const parsed = parsePlanComment(latest.body, check.root);
      if ('reason' in parsed) {
        missing = `the plan comment on #${pull.number} (${latest.html_url}) records no plan: ${parsed.reason}`;
      } else {
        reviewed = parsed.plan;
      }
    }
  }

  if (current.entries.length === 0) {
    return { verdict: { status: 'nothing-to-review', pullRequest: pull }, ignored };
  }
  if (!reviewed || !pull) {
    const changes = current.entries.map((e) => `  - ${e.address} (${e.actions.join(' then ')})`);
    const reason = `${missing}, and this plan changes ${current.entries.length} resource(s):\n${changes.join('\n')}`;
    if (check.require) {
      throw new ConfigurationError(
        `Refusing to apply a plan nobody reviewed: ${reason}\n` +
          'Open a pull request for the change so its plan is shown and reviewed there (plan-pr ' +
          'workflow), or set "require-reviewed-plan: false" to allow applying without one.'
      );
    }
    return { verdict: { status: 'unreviewed', reason }, ignored };
  }

  if (reviewed.headSha !== pull.headSha || reviewed.pullRequest !== pull.number) {
    throw new ConfigurationError(
      `Refusing to apply: the plan on #${pull.number} was made for commit ${reviewed.headSha.slice(0, 12)}, ` +
        `but the pull request merged ${pull.headSha.slice(0, 12)} (pushed after the last plan, or ` +
        'merged before its plan finished). Nothing of the merged head was reviewed: re-run the ' +
        "pull request's plan workflow, review the comment, then re-run this workflow."
    );
  }
  if (reviewed.baseRef !== check.branch) {
    throw new ConfigurationError(
      `Refusing to apply: the plan on #${pull.number} was made for a merge into ${reviewed.baseRef}, ` +
        `not ${check.branch}. Re-run the pull request's plan workflow, then this workflow.`
    );
  }
  const differences = compareFingerprints(reviewed.entries, current.entries);
  if (differences.length > 0) {
    throw new ConfigurationError(
      `Refusing to apply: this plan differs from the one reviewed on #${pull.number} ` +
        `(${pull.url}) in ${differences.length} resource(s):\n${list(differences)}\n` +
        'The infrastructure or main changed since the review (another deploy, a change outside ' +
        "Terraform). Nothing was applied. Re-run the pull request's plan workflow to review " +
        'what would happen now, then re-run this workflow.'
    );
  }
  return { verdict: { status: 'matches', pullRequest: pull, reviewed }, ignored };
}
