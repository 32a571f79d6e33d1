import { cell, details, markdownTable } from '../../shared/src/summary.js';
import type { ChangeKind, PlanSummary } from './plan-json.js';

const SYMBOL: Record<ChangeKind, string> = {
  create: '➕ create',
  update: '✏️ update',
  replace: '♻️ replace',
  delete: '🗑️ destroy',
  read: '📖 read',
  forget: '👋 forget'
};

// GitHub caps a step summary at 1 MiB; a huge plan is cut, the artifact has it all.
const MAX_PLAN_TEXT = 60_000;

/** "Plan: 2 to add, 1 to change, 2 to destroy." as Terraform words it, plus replacements. */
export function planHeadline(summary: PlanSummary): string {
  if (!summary.hasChanges) return 'No changes. The infrastructure matches the configuration.';
  const replaced = summary.replace ? ` (${summary.replace} replaced)` : '';
  return `Plan: ${summary.add} to add, ${summary.change} to change, ${summary.destroy} to destroy${replaced}.`;
}

/** The job summary for a plan: headline, one row per changed resource, the full text folded. */
export function planMarkdown(
  title: string,
  summary: PlanSummary,
  planText: string,
  refused: readonly string[] = []
): string {
  const parts = [`### ${title}`, '', `**${planHeadline(summary)}**`, ''];
  if (refused.length) {
    parts.push(`> [!CAUTION]\n> Refused by the destroy guard: ${refused.map(cell).join(', ')}`, '');
  }
  if (summary.changes.length) {
    parts.push(
      markdownTable(
        ['Action', 'Resource', 'Why'],
        summary.changes.map((c) => [SYMBOL[c.kind], `\`${c.address}\``, c.reason ?? ''])
      ),
      ''
    );
  }
  if (summary.outputChanges.length) {
    const outputs = summary.outputChanges
      .map((o) => `\`${o.name}\` (${o.kind}${o.sensitive ? ', sensitive' : ''})`)
      .join(', ');
    parts.push(`Output changes: ${outputs}`, '');
  }
  const text =
    planText.length > MAX_PLAN_TEXT
      ? `${planText.slice(0, MAX_PLAN_TEXT)}\n… (cut at ${MAX_PLAN_TEXT} characters)`
      : planText;
  parts.push(
    details(`Full plan (Terraform ${summary.terraformVersion})`, text.trimEnd(), 'text'),
    ''
  );
  return parts.join('\n');
}
