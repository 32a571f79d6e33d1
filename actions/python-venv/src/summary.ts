import { details, formatDuration, markdownTable } from '../../shared/src/summary.js';
import type { CacheRestore } from './pip-cache.js';

export interface VenvSummary {
  pythonVersion: string;
  interpreter: string;
  venvPath: string;
  /** Requirement files as the workflow named them. */
  requirements: readonly string[];
  packages: readonly string[];
  pipUpgraded: boolean;
  /** Undefined when the `cache` input is false. */
  cache: CacheRestore | undefined;
  durationMs: number;
}

/** One line saying what happened to pip's cache, in words. */
export function describeCache(cache: CacheRestore | undefined): string {
  if (cache === undefined) return 'not used (`cache: false`)';
  switch (cache.status) {
    case 'hit':
      return `hit: \`${cache.matchedKey}\``;
    case 'partial':
      return `restored an older entry \`${cache.matchedKey}\`; a new one is saved after the job`;
    case 'miss':
      return `miss: saved after the job as \`${cache.primaryKey}\``;
    case 'off':
      return `off: ${cache.reason ?? 'unavailable'}`;
  }
}

/** The job summary: what was built, from what, and how long it took. */
export function renderSummary(s: VenvSummary): string {
  const requirements =
    s.requirements.length === 0 ? 'none' : s.requirements.map((r) => `\`${r}\``).join(', ');
  const table = markdownTable(
    ['', ''],
    [
      ['Python', `${s.pythonVersion} (\`${s.interpreter}\`)`],
      ['Environment', `\`${s.venvPath}\``],
      ['Requirements', requirements],
      ['Packages', `${s.packages.length}${s.pipUpgraded ? ' (pip upgraded)' : ''}`],
      ['pip cache', describeCache(s.cache)],
      ['Time', formatDuration(s.durationMs)]
    ]
  );
  const packages = details(
    `Installed packages (${s.packages.length})`,
    s.packages.join('\n'),
    'text'
  );
  return `### Python ${s.pythonVersion} virtual environment\n\n${table}\n\n${packages}\n`;
}
