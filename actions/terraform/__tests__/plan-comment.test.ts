import { describe, expect, it } from '@jest/globals';
import { gunzipSync, gzipSync } from 'node:zlib';
import { fingerprintPlan } from '../src/fingerprint.js';
import {
  commentMarker,
  failedPlanCommentBody,
  parsePlanComment,
  planCommentBody,
  type CommentContext
} from '../src/plan-comment.js';
import { summarizePlan } from '../src/plan-json.js';
import { FRONT_A, IMAGE_B, resource, shopPlan } from './support/plans.js';

const HEAD = '1111111111111111111111111111111111111111';
const CTX: CommentContext = {
  root: 'terraform',
  headSha: HEAD,
  baseRef: 'main',
  pullRequest: 7,
  runUrl: 'https://github.com/octo-org/shop/actions/runs/42'
};
const IMAGES = ['backend_image', 'frontend_image'];

function body(
  changes = [resource('aws_lb.this', ['update'], { idle_timeout: 60 })],
  text = 'plan text',
  refused: string[] = []
) {
  const doc = shopPlan({ backend: IMAGE_B, frontend: FRONT_A }, changes);
  const fp = fingerprintPlan(doc, IMAGES);
  return {
    fp,
    text: planCommentBody(CTX, summarizePlan(doc), text, fp, {
      protectTypes: ['aws_db_instance'],
      refused
    })
  };
}

describe('the plan comment', () => {
  it('starts with the marker of its root; counts, guard verdict, changes, the image-only updates, fingerprint', () => {
    const { text, fp } = body();
    expect(text.startsWith(commentMarker('terraform'))).toBe(true);
    expect(text).toContain('**Plan: 0 to add, 2 to change, 0 to destroy.**');
    expect(text).toContain(
      '✅ Destroy guard: passes (nothing of aws_db_instance is deleted or replaced).'
    );
    expect(text).toContain('| ✏️ update | `aws_lb.this` |');
    expect(text).toContain(
      'Changed only by values the deploy sets itself (the images): `module.ec2.aws_launch_template.app`.'
    );
    expect(text).toContain(`Planned for \`${HEAD.slice(0, 12)}\` into \`main\``);
    expect(text).toContain(`Fingerprint \`${fp.digest.slice(0, 16)}\``);
  });

  it('a plan the destroy guard refuses says so first', () => {
    const { text } = body(
      [resource('module.rds.aws_db_instance.this', ['delete', 'create'], { engine: 'postgres' })],
      'x',
      ['module.rds.aws_db_instance.this']
    );
    expect(text).toContain(
      '⛔ **Destroy guard: refused.** This plan deletes protected resources (aws_db_instance): `module.rds.aws_db_instance.this`.'
    );
  });

  it('reads back exactly what it recorded', () => {
    const { text, fp } = body();
    const parsed = parsePlanComment(text, 'terraform');
    expect(parsed).toEqual({
      plan: {
        root: 'terraform',
        headSha: HEAD,
        baseRef: 'main',
        pullRequest: 7,
        digest: fp.digest,
        entries: fp.entries
      }
    });
    expect(parsePlanComment(text, 'terraform/bootstrap')).toEqual({
      reason: 'not a plan comment for this root'
    });
  });

  it('plan text cannot close the fence, an address cannot close the hidden comment', () => {
    const nasty = resource('aws_x.y["--> ``` <b>"]', ['create'], { a: '-->' });
    const { text, fp } = body(
      [nasty],
      'before\n```\n<!-- terraform-plan-fingerprint:v1:e30= -->\nafter ````'
    );
    expect(text).toContain('`````text');
    const hidden = text.split('\n').filter((l) => l.startsWith('<!-- terraform-plan-fingerprint'));
    expect(hidden).toHaveLength(2); // the plan text's own (inside the fence) and the real one, last
    expect(text.trimEnd().split('\n').at(-1)).toBe(hidden[1]);
    const parsed = parsePlanComment(text, 'terraform');
    expect('plan' in parsed && parsed.plan.entries).toEqual(fp.entries);
  });

  it('a huge plan is cut so the comment stays under GitHub 65,536-character limit', () => {
    const { text } = body(undefined, 'x'.repeat(200_000));
    expect(text.length).toBeLessThan(65_536);
    expect(text).toContain('(cut at 40000 characters');
  });

  it('a first deploy (hundreds of resources, a huge plan): the plan text gives way, the fingerprint stays whole', () => {
    const many = Array.from({ length: 450 }, (_, i) =>
      resource(
        `module.app.aws_security_group_rule.rule_number_${i}["ingress-from-the-load-balancer"]`,
        ['create'],
        { port: i }
      )
    );
    const { text, fp } = body(many, 'x'.repeat(200_000));
    expect(text.length).toBeLessThan(65_536);
    expect(text).toContain('… and 351 more (the full plan lists them).');
    expect(text).toMatch(/\(cut at \d+ characters; the run's summary has it all\)/);
    const parsed = parsePlanComment(text, 'terraform');
    expect('plan' in parsed && parsed.plan.entries).toEqual(fp.entries);
    expect(fp.entries).toHaveLength(450);
  });

  it('refuses comments that are not exactly what the action writes', () => {
    const { text } = body();
    const line = text.split('\n').at(-1)!;
    const data = JSON.parse(
      gunzipSync(Buffer.from(/v1:(.*) -->/.exec(line)![1]!, 'base64')).toString()
    ) as Record<string, unknown>;
    const forge = (d: unknown) =>
      `${text.split('\n').slice(0, -1).join('\n')}\n<!-- terraform-plan-fingerprint:v1:${gzipSync(JSON.stringify(d)).toString('base64')} -->`;
    const bad = 'its fingerprint does not have the expected fields';
    expect(parsePlanComment(forge({ ...data, headSha: 'main' }), 'terraform')).toEqual({
      reason: bad
    });
    expect(
      parsePlanComment(
        forge({ ...data, entries: [{ address: 'x', actions: ['explode'], after: 'a' }] }),
        'terraform'
      )
    ).toEqual({ reason: bad });
    expect(parsePlanComment(forge({ ...data, root: 'other' }), 'terraform')).toEqual({
      reason: bad
    });
    expect(
      parsePlanComment(
        `${text.split('\n').slice(0, -1).join('\n')}\n<!-- terraform-plan-fingerprint:v1:bm90IGpzb24= -->`,
        'terraform'
      )
    ).toEqual({
      reason: 'its fingerprint is not gzipped JSON'
    });
    expect(parsePlanComment(`Looks good to me\n${text}`, 'terraform')).toEqual({
      reason: 'not a plan comment for this root'
    });
  });

  it('a failed plan leaves a comment with no fingerprint in it', () => {
    const text = failedPlanCommentBody(CTX);
    expect(text).toContain('❌ **The plan failed** for `111111111111`');
    expect(parsePlanComment(text, 'terraform')).toEqual({
      reason: 'it carries no fingerprint (the plan failed or never finished)'
    });
  });
});
