import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  startGitHubStandIn,
  type GitHubStandIn,
  type StandInPull
} from '../../../tests/kit/stand-ins/github-api.js';
import { fingerprintPlan, type Fingerprint } from '../src/fingerprint.js';
import { gitHubApi, upsertComment } from '../src/github.js';
import {
  commentMarker,
  failedPlanCommentBody,
  planCommentBody,
  type CommentContext
} from '../src/plan-comment.js';
import { summarizePlan } from '../src/plan-json.js';
import { checkReviewedPlan, type ReviewCheck } from '../src/reviewed-plan.js';
import { FRONT_A, FRONT_B, IMAGE_A, IMAGE_B, resource, shopPlan } from './support/plans.js';

// The reviewed-plan check against the GitHub stand-in, octokit unmodified: the pull request
// found for the merge commit, the plan comment read back, and every way to trust the wrong one.

const REPO = { owner: 'octo-org', repo: 'shop' };
const MERGE = 'a'.repeat(40);
const HEAD = 'b'.repeat(40);
const EARLIER_HEAD = 'c'.repeat(40);
const IMAGES = ['backend_image', 'frontend_image'];

let gh: GitHubStandIn;
beforeAll(async () => {
  gh = await startGitHubStandIn();
  process.env.GITHUB_API_URL = gh.url;
  gh.identities.set('mallory-token', { login: 'mallory', type: 'User' });
});
afterAll(async () => gh.close());
beforeEach(() => {
  gh.pulls.length = 0;
  gh.comments.length = 0;
});

const lb = (timeout: number) => resource('aws_lb.this', ['update'], { idle_timeout: timeout });
/** On the pull request: the images the servers run now. */
const prPlan = (timeout = 120) =>
  fingerprintPlan(shopPlan({ backend: IMAGE_A, frontend: FRONT_A }, [lb(timeout)]), IMAGES);
/** After the merge: the images just built. */
const deployPlan = (timeout = 120) =>
  fingerprintPlan(shopPlan({ backend: IMAGE_B, frontend: FRONT_B }, [lb(timeout)]), IMAGES);

function merged(over: Partial<StandInPull> = {}): StandInPull {
  const pull: StandInPull = {
    number: 7,
    state: 'closed',
    merged_at: '2026-12-05T09:00:00Z',
    merge_commit_sha: MERGE,
    head: { sha: HEAD, ref: 'feature' },
    base: { ref: 'main' },
    ...over
  };
  gh.pulls.push(pull);
  return pull;
}

/** Post the plan comment as the workflow does, with the given token (default: the bot's). */
async function comment(
  fp: Fingerprint,
  over: Partial<CommentContext> = {},
  token = 'workflow-token'
): Promise<void> {
  const ctx: CommentContext = {
    root: 'terraform',
    headSha: HEAD,
    baseRef: 'main',
    pullRequest: 7,
    runUrl: 'https://github.com/octo-org/shop/actions/runs/1',
    ...over
  };
  const doc = shopPlan({ backend: IMAGE_A, frontend: FRONT_A });
  const body = planCommentBody(ctx, summarizePlan(doc), 'text', fp, {
    protectTypes: ['aws_db_instance'],
    refused: []
  });
  const author = gh.identities.get(token)?.login ?? 'github-actions[bot]';
  await upsertComment(
    gitHubApi(token),
    REPO,
    ctx.pullRequest,
    commentMarker('terraform'),
    author,
    body
  );
}

const check = (over: Partial<ReviewCheck> = {}): ReviewCheck => ({
  api: gitHubApi('deploy-token'),
  repository: REPO,
  commit: MERGE,
  branch: 'main',
  root: 'terraform',
  author: 'github-actions[bot]',
  require: true,
  ...over
});

describe('checkReviewedPlan', () => {
  it('the plan reviewed on the merged pull request, made with the old images, matches the deploy with the new ones', async () => {
    merged();
    await comment(prPlan());
    const { verdict, ignored } = await checkReviewedPlan(check(), deployPlan());
    expect(verdict.status).toBe('matches');
    expect(ignored).toEqual([]);
    const asked = gh.requests.find((r) => r.path.endsWith(`/commits/${MERGE}/pulls`));
    expect(asked?.authorization).toBe('token deploy-token');
  });

  it('a plan that differs from the reviewed one: refused, naming the resource and what changed', async () => {
    merged();
    await comment(prPlan(120));
    await expect(checkReviewedPlan(check(), deployPlan(60))).rejects.toThrow(
      /differs from the one reviewed on #7 \(https:\/\/github.com\/octo-org\/shop\/pull\/7\) in 1 resource\(s\):\n {2}- aws_lb.this: update with other values than reviewed/
    );
    const extra = fingerprintPlan(
      shopPlan({ backend: IMAGE_B, frontend: FRONT_B }, [
        lb(120),
        resource('aws_s3_bucket.x', ['delete'], null)
      ]),
      IMAGES
    );
    await expect(checkReviewedPlan(check(), extra)).rejects.toThrow(
      'aws_s3_bucket.x: not in the reviewed plan; this plan would delete it'
    );
  });

  it('updated on each push: one comment, and the latest is what counts', async () => {
    merged();
    await comment(prPlan(30), { headSha: EARLIER_HEAD });
    await comment(prPlan(120));
    expect(gh.comments).toHaveLength(1);
    expect((await checkReviewedPlan(check(), deployPlan(120))).verdict.status).toBe('matches');
  });

  it('a stale comment from an earlier push (its head is not the merged head): refused', async () => {
    merged();
    await comment(prPlan(120), { headSha: EARLIER_HEAD });
    await expect(checkReviewedPlan(check(), deployPlan(120))).rejects.toThrow(
      `the plan on #7 was made for commit ${EARLIER_HEAD.slice(0, 12)}, but the pull request merged ${HEAD.slice(0, 12)}`
    );
  });

  it('a comment with the marker by someone else is never trusted, even when it matches and is newer', async () => {
    merged();
    await comment(prPlan(120)); // the bot's: the plan that was shown
    await comment(deployPlan(60), {}, 'mallory-token'); // a copy whose fingerprint fits a bad plan
    expect(gh.comments.map((c) => c.user?.login ?? 'github-actions[bot]')).toEqual([
      'github-actions[bot]',
      'mallory'
    ]);
    gh.comments[1]!.updated_at = '2030-01-01T00:00:00Z';
    await expect(checkReviewedPlan(check(), deployPlan(60))).rejects.toThrow('aws_lb.this');
  });

  it('only a comment by someone else: no reviewed plan (refused, or a warning when not required)', async () => {
    merged();
    await comment(deployPlan(60), {}, 'mallory-token');
    await expect(checkReviewedPlan(check(), deployPlan(60))).rejects.toThrow(
      'Refusing to apply a plan nobody reviewed: pull request #7 has no plan comment by github-actions[bot], and this plan changes 1 resource(s):\n  - aws_lb.this (update)'
    );
    const { verdict, ignored } = await checkReviewedPlan(check({ require: false }), deployPlan(60));
    expect(verdict.status).toBe('unreviewed');
    expect(ignored[0]).toMatch(
      /^comment https:\/\/github.com\/octo-org\/shop\/pull\/7#issuecomment-\d+ by mallory: only github-actions\[bot\] writes plan comments$/
    );
  });

  it('a human account named like the bot but not a Bot is not trusted', async () => {
    gh.identities.set('lookalike', { login: 'github-actions[bot]', type: 'User' });
    merged();
    await comment(deployPlan(60), {}, 'lookalike');
    await expect(checkReviewedPlan(check(), deployPlan(60))).rejects.toThrow('nobody reviewed');
  });

  it('a pull request merged into another branch as this commit is not the review of this deploy', async () => {
    merged({ base: { ref: 'release' } });
    await comment(deployPlan(60), { baseRef: 'release' });
    await expect(checkReviewedPlan(check(), deployPlan(60))).rejects.toThrow(
      `commit ${MERGE.slice(0, 12)} was not merged into main by a pull request (a direct push?)`
    );
  });

  it('a plan comment made for another base branch on a pull request retargeted to main: refused', async () => {
    merged();
    await comment(deployPlan(60), { baseRef: 'develop' });
    await expect(checkReviewedPlan(check(), deployPlan(60))).rejects.toThrow(
      'was made for a merge into develop, not main'
    );
  });

  it('an open pull request that contains the commit, and one whose head it is, do not count', async () => {
    merged({
      number: 8,
      state: 'open',
      merged_at: null,
      merge_commit_sha: null,
      head: { sha: MERGE, ref: 'x' }
    });
    await comment(deployPlan(60), { pullRequest: 8, headSha: MERGE });
    await expect(checkReviewedPlan(check(), deployPlan(60))).rejects.toThrow('direct push');
  });

  it('a direct push: refused when required, a warning when not; nothing to apply needs no review', async () => {
    await expect(checkReviewedPlan(check(), deployPlan())).rejects.toThrow('nobody reviewed');
    expect((await checkReviewedPlan(check({ require: false }), deployPlan())).verdict.status).toBe(
      'unreviewed'
    );
    const imagesOnly = fingerprintPlan(shopPlan({ backend: IMAGE_B, frontend: FRONT_B }), IMAGES);
    expect((await checkReviewedPlan(check(), imagesOnly)).verdict.status).toBe('nothing-to-review');
  });

  it('the last push failed to plan: the comment records no plan, so nothing is applied', async () => {
    merged();
    await comment(prPlan());
    await upsertComment(
      gitHubApi('workflow-token'),
      REPO,
      7,
      commentMarker('terraform'),
      'github-actions[bot]',
      failedPlanCommentBody({
        root: 'terraform',
        headSha: HEAD,
        baseRef: 'main',
        pullRequest: 7,
        runUrl: 'u'
      })
    );
    await expect(checkReviewedPlan(check(), deployPlan())).rejects.toThrow(
      'records no plan: it carries no fingerprint'
    );
  });

  it("another root's plan comment on the same pull request is not this root's review", async () => {
    merged();
    await comment(deployPlan(), { root: 'terraform/bootstrap' });
    await expect(checkReviewedPlan(check(), deployPlan())).rejects.toThrow('no plan comment');
  });
});
