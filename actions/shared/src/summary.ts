import * as core from '@actions/core';

/**
 * Markdown builders for job summaries. They return strings so the same text can go to the
 * step summary, a CLI's terminal or a test assertion.
 */

/** Escape text for a Markdown table cell. */
export function cell(value: string | number | boolean | null | undefined): string {
  return String(value ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, '<br>');
}

/** A GitHub-flavoured Markdown table. */
export function markdownTable(
  headers: readonly string[],
  rows: readonly (string | number | boolean | null | undefined)[][]
): string {
  const head = `| ${headers.map(cell).join(' | ')} |`;
  const rule = `| ${headers.map(() => '---').join(' | ')} |`;
  const body = rows.map((row) => `| ${row.map(cell).join(' | ')} |`);
  return [head, rule, ...body].join('\n');
}

/** A collapsed section; the body is shown as a fenced block when `fence` is given. */
export function details(summaryText: string, body: string, fence?: string): string {
  const content = fence === undefined ? body : `\n\`\`\`${fence}\n${body}\n\`\`\`\n`;
  return `<details><summary>${summaryText}</summary>\n\n${content}\n</details>`;
}

/** Format a duration in milliseconds for people. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

/**
 * Append Markdown to the job summary. Outside a runner (no GITHUB_STEP_SUMMARY, e.g. a CLI run)
 * it does nothing and returns false, so callers can print the text instead.
 */
export async function appendSummary(markdown: string): Promise<boolean> {
  if (!process.env.GITHUB_STEP_SUMMARY) return false;
  await core.summary.addRaw(markdown, true).write();
  return true;
}
