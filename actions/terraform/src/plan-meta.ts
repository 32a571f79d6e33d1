import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ConfigurationError } from '../../shared/src/errors.js';

/**
 * Written beside the saved plan, so the apply job can check it got the plan it expects: made
 * from this commit, for this root, and not altered in between (the bytes' SHA-256).
 */
export interface PlanMeta {
  commit: string;
  runId: string;
  workingDirectory: string;
  planSha256: string;
  createdAt: string;
  terraformVersion: string;
  add: number;
  change: number;
  destroy: number;
}

export function metaPathFor(planFile: string): string {
  return `${planFile}.meta.json`;
}

export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

export function writePlanMeta(planFile: string, meta: PlanMeta): string {
  const file = metaPathFor(planFile);
  writeFileSync(file, `${JSON.stringify(meta, null, 2)}\n`);
  return file;
}

/**
 * Refuse a plan that is not the one this run made. Terraform itself refuses a plan whose
 * state has moved on ("Saved plan is stale"); this catches the other ways to apply the wrong
 * plan: one from another commit, another root, or a file changed after planning.
 */
export function checkPlanMeta(
  planFile: string,
  expected: { commit: string | undefined; workingDirectoryName: string }
): PlanMeta {
  if (!existsSync(planFile)) {
    throw new ConfigurationError(
      `Input "plan-file": no saved plan at ${planFile}. Run this action with mode: plan first ` +
        'and carry the plan file (and its .meta.json) to this job, e.g. as an artifact.'
    );
  }
  const metaFile = metaPathFor(planFile);
  if (!existsSync(metaFile)) {
    throw new ConfigurationError(
      `No ${metaFile} beside the plan: carry it from the plan job together with the plan.`
    );
  }
  const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as PlanMeta;
  if (expected.commit && meta.commit !== expected.commit) {
    throw new ConfigurationError(
      `Refusing a stale plan: it was made from commit ${meta.commit}, but this run is for ` +
        `${expected.commit}. Plan again from this commit.`
    );
  }
  if (meta.workingDirectory !== expected.workingDirectoryName) {
    throw new ConfigurationError(
      `Refusing the plan: it was made for "${meta.workingDirectory}", not ` +
        `"${expected.workingDirectoryName}".`
    );
  }
  const actual = sha256File(planFile);
  if (actual !== meta.planSha256) {
    throw new ConfigurationError(
      `Refusing the plan: its SHA-256 is ${actual}, not ${meta.planSha256} as recorded when ` +
        'it was made. The file changed after planning.'
    );
  }
  return meta;
}
