import { ConfigurationError } from '../../shared/src/errors.js';
import { deletes, type PlanSummary, type PlannedChange } from './plan-json.js';

/** Changes that delete a protected resource and are not explicitly allowed. */
export function guardedDeletions(
  summary: PlanSummary,
  protectTypes: readonly string[],
  allowDestroy: readonly string[]
): PlannedChange[] {
  return summary.changes.filter(
    (c) =>
      deletes(c) &&
      protectTypes.includes(c.type) &&
      !allowDestroy.includes(c.type) &&
      !allowDestroy.includes(c.address)
  );
}

/**
 * Refuse a plan that would delete (or replace, which deletes first) a protected resource —
 * by default the database, whose data no re-apply brings back.
 */
export function enforceDestroyGuard(
  summary: PlanSummary,
  protectTypes: readonly string[],
  allowDestroy: readonly string[]
): void {
  const refused = guardedDeletions(summary, protectTypes, allowDestroy);
  if (refused.length === 0) return;
  const list = refused
    .map((c) => `  - ${c.address} (${c.kind}${c.reason ? `, ${c.reason}` : ''})`)
    .join('\n');
  throw new ConfigurationError(
    `Refusing a plan that deletes protected resources (protect-types: ${protectTypes.join(', ')}):\n` +
      `${list}\n` +
      'Nothing was applied. If this is intended (and the data is backed up), list the type or ' +
      'address in "allow-destroy" for one run; otherwise change the configuration so Terraform ' +
      'can update the resource in place.'
  );
}
