import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CACHE_KEY_VERSION } from './constants.js';

/** A `-r other.txt` / `--requirement=other.txt` / `-c constraints.txt` line of a requirement file. */
const INCLUDE_LINE = /^\s*(?:-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+)(\S+)/;

/**
 * The requirement files and every file they include with `-r`/`-c`, depth first, each once.
 * Included files count for the cache key too: a pin changed in an included file must not hit an
 * old cache. Includes that do not exist are left for pip to report.
 */
export function requirementFilesWithIncludes(files: readonly string[]): string[] {
  const seen = new Set<string>();
  const ordered: string[] = [];
  const visit = (file: string): void => {
    const resolved = path.resolve(file);
    if (seen.has(resolved) || !existsSync(resolved)) return;
    seen.add(resolved);
    ordered.push(resolved);
    for (const line of readFileSync(resolved, 'utf8').split(/\r?\n/)) {
      const include = INCLUDE_LINE.exec(line)?.[1];
      // URLs are pip's to fetch; only local files can be hashed.
      if (include && !/^[a-z]+:\/\//i.test(include)) {
        visit(path.resolve(path.dirname(resolved), include));
      }
    }
  };
  for (const file of files) visit(file);
  return ordered;
}

/** SHA-256 of the files' contents, in order; each is length-prefixed so boundaries count. */
export function hashFiles(files: readonly string[]): string {
  const hash = createHash('sha256');
  for (const file of files) {
    const content = readFileSync(file);
    hash.update(`${content.length}\n`);
    hash.update(content);
  }
  return hash.digest('hex');
}

export interface CacheKeyParts {
  /** The runner's OS as RUNNER_OS names it (Linux, macOS, Windows). */
  os: string;
  arch: string;
  pythonVersion: string;
  /** hashFiles() of the requirement files and their includes. */
  requirementsHash: string;
}

export interface CacheKeys {
  primaryKey: string;
  /**
   * Prefixes tried when the primary key misses: pip's download cache from other requirements on
   * the same OS and Python still saves most downloads, and pip checks every file it reuses.
   */
  restoreKeys: string[];
}

/** Cache keys for pip's download cache: OS, architecture, Python version, requirements. */
export function cacheKeys(parts: CacheKeyParts): CacheKeys {
  const prefix = `python-venv-pip-${CACHE_KEY_VERSION}-${parts.os}-${parts.arch}-python${parts.pythonVersion}-`;
  return { primaryKey: `${prefix}${parts.requirementsHash}`, restoreKeys: [prefix] };
}
