import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../kit/action-bundle.js';
import { WORKFLOWS_DIR, workflowFiles } from './support/workflow-files.js';

// Every third-party action this repository runs — in a workflow or inside one of its composite
// actions — is pinned by a full commit SHA with its version beside it, one SHA per action
// across all files; Dependabot keeps them (and every other dependency) current.

interface Use {
  file: string;
  action: string;
  sha: string;
  comment: string;
}

/** Files that may hold `uses:`: the workflows and the actions' metadata. */
function filesWithUses(): string[] {
  const actions = readdirSync(path.join(repoRoot, 'actions'))
    .map((name) => path.join('actions', name, 'action.yml'))
    .filter((file) => existsSync(path.join(repoRoot, file)));
  return [
    ...workflowFiles().map((f) => path.relative(repoRoot, path.join(WORKFLOWS_DIR, f))),
    ...actions
  ];
}

function thirdPartyUses(): Use[] {
  const uses: Use[] = [];
  for (const file of filesWithUses()) {
    const text = readFileSync(path.join(repoRoot, file), 'utf8');
    for (const [, ref = '', rest = ''] of text.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/gm)) {
      if (ref.startsWith('./') || ref.startsWith('docker://')) continue;
      const at = ref.lastIndexOf('@');
      uses.push({
        file,
        action: ref.slice(0, at),
        sha: ref.slice(at + 1),
        comment: rest.trim()
      });
    }
  }
  return uses;
}

describe('third-party actions', () => {
  const uses = thirdPartyUses();

  it('are found in the workflows and the composite actions', () => {
    expect(uses.length).toBeGreaterThan(10);
    expect(new Set(uses.map((u) => u.file)).size).toBeGreaterThan(3);
  });

  it.each(uses.map((u) => [`${u.file}: ${u.action}@${u.sha.slice(0, 12)}`, u] as const))(
    '%s is pinned by a 40-hex commit SHA with its version in a comment',
    (_label, use) => {
      expect({ action: use.action, sha: use.sha }).toEqual({
        action: expect.stringMatching(/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?$/),
        sha: expect.stringMatching(/^[0-9a-f]{40}$/)
      });
      expect({ action: use.action, comment: use.comment }).toEqual({
        action: use.action,
        comment: expect.stringMatching(/^#\s*v\d+\.\d+\.\d+\b/)
      });
    }
  );

  it('each run at one SHA (and one version) across every file', () => {
    const byAction = new Map<string, Set<string>>();
    for (const use of uses) {
      const version = /^#\s*(v\S+)/.exec(use.comment)?.[1] ?? '?';
      byAction.set(
        use.action,
        (byAction.get(use.action) ?? new Set()).add(`${use.sha} ${version}`)
      );
    }
    const split = [...byAction].filter(([, pins]) => pins.size > 1).map(([a, p]) => [a, [...p]]);
    expect(split).toEqual([]);
  });
});

describe('.github/dependabot.yml', () => {
  interface Update {
    'package-ecosystem': string;
    directory?: string;
    directories?: string[];
    schedule?: { interval?: string };
  }
  const config = parse(readFileSync(path.join(repoRoot, '.github/dependabot.yml'), 'utf8')) as {
    version: number;
    updates: Update[];
  };
  const dirs = (u: Update): string[] => u.directories ?? (u.directory ? [u.directory] : []);
  const covered = (ecosystem: string): string[] =>
    config.updates.filter((u) => u['package-ecosystem'] === ecosystem).flatMap(dirs);

  /** A Dependabot directory (leading /, maybe ending in /*) as the folders it stands for. */
  function expand(dir: string): string[] {
    const rel = dir.replace(/^\//, '');
    if (!rel.endsWith('/*')) return [rel === '' ? '.' : rel];
    const parent = rel.slice(0, -2);
    return readdirSync(path.join(repoRoot, parent), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => path.join(parent, d.name));
  }

  it('is version 2 with a schedule on every entry', () => {
    expect(config.version).toBe(2);
    for (const u of config.updates)
      expect(u.schedule?.interval).toMatch(/^(daily|weekly|monthly)$/);
  });

  it('covers npm at the root and in app/frontend, pip in app/backend, and GitHub Actions', () => {
    expect(covered('npm')).toEqual(expect.arrayContaining(['/', '/app/frontend']));
    expect(covered('pip')).toEqual(['/app/backend']);
    expect(covered('github-actions')).toEqual(expect.arrayContaining(['/', '/actions/*']));
    for (const dir of [...covered('npm'), ...covered('pip')])
      expect({ dir, exists: existsSync(path.join(repoRoot, dir)) }).toEqual({ dir, exists: true });
  });

  it('covers every folder holding Terraform files', () => {
    const tfDirs = new Set<string>();
    const walk = (rel: string): void => {
      for (const e of readdirSync(path.join(repoRoot, rel), { withFileTypes: true })) {
        if (e.isDirectory() && !e.name.startsWith('.') && e.name !== '__tests__')
          walk(path.join(rel, e.name));
        else if (e.isFile() && e.name.endsWith('.tf')) tfDirs.add(rel);
      }
    };
    walk('terraform');
    const listed = new Set(covered('terraform').flatMap(expand));
    expect([...tfDirs].filter((d) => !listed.has(d)).sort()).toEqual([]);
  });
});
