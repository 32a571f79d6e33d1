import { gunzipSync, gzipSync } from 'node:zlib';
import { cell, markdownTable } from '../../shared/src/summary.js';
import type { Fingerprint, FingerprintEntry } from './fingerprint.js';
import type { ChangeAction, PlanSummary } from './plan-json.js';
import { planHeadline } from './plan-summary.js';

/**
 * The pull request comment that shows a plan: one per Terraform root, found again by its
 * marker and updated on each push. Its last line carries the plan's fingerprint (base64 JSON in
 * an HTML comment, so no address can end the comment early), which the deploy after the merge
 * reads back; it is only trusted when the comment's author is the workflow's bot. The JSON is
 * gzipped: a first deploy's hundreds of addresses repeat the same module paths.
 */

const FINGERPRINT_LINE = /^<!-- terraform-plan-fingerprint:v1:([A-Za-z0-9+/=]+) -->$/;

// GitHub refuses comment bodies over 65,536 characters: the full plan gets what the rest of the
// comment leaves (at most MAX_PLAN_TEXT), and a long table of changes is cut before the
// fingerprint is ever touched.
const MAX_BODY = 65_000;
const MAX_PLAN_TEXT = 40_000;
const MAX_TABLE_ROWS = 100;
// What a fingerprint may inflate to when read back (a comment is at most 64 KiB of base64).
const MAX_FINGERPRINT_JSON = 8 * 1024 * 1024;

/** What the comment records about the plan it shows. */
export interface ReviewedPlan {
  root: string;
  /** The pull request's head commit the plan was made for. */
  headSha: string;
  /** The branch the pull request merges into. */
  baseRef: string;
  pullRequest: number;
  digest: string;
  entries: FingerprintEntry[];
}

export interface CommentContext {
  root: string;
  headSha: string;
  baseRef: string;
  pullRequest: number;
  runUrl: string;
}

/** The first line of every plan comment for `root`. */
export function commentMarker(root: string): string {
  return `<!-- terraform-plan-comment root=${encodeURIComponent(root)} -->`;
}

/** A fence longer than any run of backticks in `text`, so the text cannot close it. */
function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(longest + 1);
}

const KIND_WORDS: Record<string, string> = {
  create: '➕ create',
  update: '✏️ update',
  replace: '♻️ replace',
  delete: '🗑️ destroy',
  forget: '👋 forget'
};

/** The comment for a finished plan: counts, the destroy guard's verdict, changes, fingerprint. */
export function planCommentBody(
  ctx: CommentContext,
  summary: PlanSummary,
  planText: string,
  fingerprint: Fingerprint,
  guard: { protectTypes: readonly string[]; refused: readonly string[] }
): string {
  const data: ReviewedPlan = {
    root: ctx.root,
    headSha: ctx.headSha,
    baseRef: ctx.baseRef,
    pullRequest: ctx.pullRequest,
    digest: fingerprint.digest,
    entries: fingerprint.entries
  };
  const parts = [
    commentMarker(ctx.root),
    `### Terraform plan — \`${ctx.root}\``,
    '',
    `**${planHeadline(summary)}**`,
    '',
    guard.refused.length
      ? `⛔ **Destroy guard: refused.** This plan deletes protected resources (${guard.protectTypes.join(', ')}): ${guard.refused.map((a) => `\`${cell(a)}\``).join(', ')}. The deploy would stop here.`
      : `✅ Destroy guard: passes (nothing of ${guard.protectTypes.join(', ')} is deleted or replaced).`,
    ''
  ];
  const managed = summary.changes.filter((c) => c.kind !== 'read');
  if (managed.length) {
    const rows = managed
      .slice(0, MAX_TABLE_ROWS)
      .map((c) => [KIND_WORDS[c.kind] ?? c.kind, `\`${c.address}\``]);
    parts.push(markdownTable(['Action', 'Resource'], rows), '');
    if (managed.length > MAX_TABLE_ROWS) {
      parts.push(`… and ${managed.length - MAX_TABLE_ROWS} more (the full plan lists them).`, '');
    }
  }
  if (fingerprint.unreviewedOnly.length) {
    parts.push(
      `Changed only by values the deploy sets itself (the images): ${fingerprint.unreviewedOnly
        .map((a) => `\`${cell(a)}\``)
        .join(', ')}.`,
      ''
    );
  }
  const tail = [
    `Planned for \`${ctx.headSha.slice(0, 12)}\` into \`${ctx.baseRef}\` by [this run](${ctx.runUrl}). ` +
      `Fingerprint \`${fingerprint.digest.slice(0, 16)}\`: after the merge, the deploy applies ` +
      'only a plan that makes exactly these changes, and only if this comment is for the commit ' +
      'that was merged.',
    `<!-- terraform-plan-fingerprint:v1:${gzipSync(JSON.stringify(data)).toString('base64')} -->`
  ];
  const fixed = [...parts, ...tail].join('\n').length + 400;
  const room = Math.max(0, Math.min(MAX_PLAN_TEXT, MAX_BODY - fixed));
  const text =
    planText.length > room
      ? `${planText.slice(0, room)}\n… (cut at ${room} characters; the run's summary has it all)`
      : planText;
  const f = fence(text);
  parts.push(
    `<details><summary>Full plan (Terraform ${summary.terraformVersion})</summary>`,
    '',
    `${f}text`,
    text.trimEnd(),
    f,
    '',
    '</details>',
    '',
    ...tail
  );
  const body = parts.join('\n');
  if (body.length > 65_536) {
    throw new Error(
      `The plan comment would be ${body.length} characters, over GitHub's 65,536: this plan ` +
        `changes ${fingerprint.entries.length} resources, too many to fingerprint in one comment.`
    );
  }
  return body;
}

/** The comment when the plan did not finish: no fingerprint, so nothing here can be applied. */
export function failedPlanCommentBody(ctx: CommentContext): string {
  return [
    commentMarker(ctx.root),
    `### Terraform plan — \`${ctx.root}\``,
    '',
    `❌ **The plan failed** for \`${ctx.headSha.slice(0, 12)}\`: see [the run](${ctx.runUrl}). ` +
      'There is no plan to review; a deploy of this pull request refuses to apply until a ' +
      'later push plans cleanly.'
  ].join('\n');
}

const HEX40 = /^[0-9a-f]{40}$/;
const HEX = /^[0-9a-f]+$/;
const ACTIONS = new Set<ChangeAction>(['no-op', 'create', 'read', 'update', 'delete', 'forget']);

/**
 * The plan a comment body records, or a reason it records none. Strict: a comment that does
 * not carry exactly this shape is not a reviewed plan.
 */
export function parsePlanComment(
  body: string,
  root: string
): { plan: ReviewedPlan } | { reason: string } {
  if (!body.startsWith(commentMarker(root))) return { reason: 'not a plan comment for this root' };
  // Only the last line: the plan text above it may contain anything, this line included.
  const line = FINGERPRINT_LINE.exec(body.trimEnd().split('\n').at(-1) ?? '');
  if (!line) return { reason: 'it carries no fingerprint (the plan failed or never finished)' };
  let data: unknown;
  try {
    const zipped = Buffer.from(line[1] ?? '', 'base64');
    data = JSON.parse(
      gunzipSync(zipped, { maxOutputLength: MAX_FINGERPRINT_JSON }).toString('utf8')
    );
  } catch {
    return { reason: 'its fingerprint is not gzipped JSON' };
  }
  const d = data as Partial<ReviewedPlan> | null;
  const valid =
    !!d &&
    d.root === root &&
    typeof d.headSha === 'string' &&
    HEX40.test(d.headSha) &&
    typeof d.baseRef === 'string' &&
    typeof d.pullRequest === 'number' &&
    typeof d.digest === 'string' &&
    HEX.test(d.digest) &&
    Array.isArray(d.entries) &&
    d.entries.every(
      (e) =>
        !!e &&
        typeof e.address === 'string' &&
        typeof e.after === 'string' &&
        Array.isArray(e.actions) &&
        e.actions.every((a) => ACTIONS.has(a))
    );
  if (!valid) return { reason: 'its fingerprint does not have the expected fields' };
  return { plan: d as ReviewedPlan };
}
