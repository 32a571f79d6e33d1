/**
 * Every Jest test file belongs to exactly one suite of scripts/suites/: the suites' claims
 * (their `claims=(...)` lines, read by suite_jest_paths in scripts/lib/common.sh) are evaluated
 * the way run_jest evaluates them and matched against every file Jest finds, so a test file no
 * suite runs, or one two suites run, fails here.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../../tests/kit/action-bundle.js';

const common = path.join(repoRoot, 'scripts/lib/common.sh');
const suitesDir = path.join(repoRoot, 'scripts/suites');
const jest = path.join(repoRoot, 'node_modules/jest/bin/jest.js');

/** Runs a bash snippet with common.sh sourced (REPO_ROOT may be pointed elsewhere). */
function bash(script: string, root = repoRoot): string[] {
  const out = execFileSync('bash', ['-c', `source '${common}'; REPO_ROOT='${root}'; ${script}`], {
    encoding: 'utf8',
    timeout: 30_000
  });
  return out.split('\n').filter(Boolean);
}

/** A suite's name as scripts/test knows it (10-actions.sh → actions). */
const suiteName = (file: string): string => file.replace(/^\d\d-/, '').replace(/\.sh$/, '');

/** The Jest path patterns each suite's run_jest call gets. */
function suitePatterns(root = repoRoot): Map<string, string[]> {
  const patterns = new Map<string, string[]>();
  for (const file of readdirSync(path.join(root, 'scripts/suites')).filter((f) =>
    f.endsWith('.sh')
  )) {
    const script = path.join(root, 'scripts/suites', file);
    patterns.set(
      suiteName(file),
      bash(
        `mapfile -t p < <(suite_jest_paths '${script}'); [ \${#p[@]} -eq 0 ] || jest_patterns "\${p[@]}"`,
        root
      )
    );
  }
  return patterns;
}

/** Jest's own list of test files, for the given path patterns (all of them without any). */
function jestListTests(patterns: string[] = []): string[] {
  const out = execFileSync(process.execPath, [jest, '--listTests', ...patterns], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 120_000
  });
  return out
    .split('\n')
    .filter((line) => line.endsWith('.test.ts'))
    .sort();
}

/** Test files that no suite, or more than one, runs: "<file>: <suites>". */
function claimProblems(files: string[], patterns: Map<string, string[]>): string[] {
  const problems: string[] = [];
  for (const file of files) {
    // Jest matches a test-path pattern case-insensitively against the absolute path.
    const owners = [...patterns]
      .filter(([, list]) => list.some((p) => new RegExp(p, 'i').test(file)))
      .map(([suite]) => suite);
    if (owners.length !== 1) {
      problems.push(`${path.relative(repoRoot, file)}: ${owners.join(', ') || 'no suite'}`);
    }
  }
  return problems;
}

describe('which suite runs which test', () => {
  let patterns = new Map<string, string[]>();
  let files: string[] = [];
  beforeAll(() => {
    patterns = suitePatterns();
    files = jestListTests();
  }, 180_000);

  it('Jest finds test files only in __tests__ folders, and finds them', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files.filter((file) => !file.includes('/__tests__/'))).toEqual([]);
  });

  it('every test file is run by exactly one suite', () => {
    expect(claimProblems(files, patterns)).toEqual([]);
  });

  it("the actions suite's patterns select, for Jest itself, exactly the files counted as its own", () => {
    const own = patterns.get('actions') ?? [];
    const counted = files.filter((file) => own.some((p) => new RegExp(p, 'i').test(file)));
    expect(counted.length).toBeGreaterThan(0);
    expect(jestListTests(own)).toEqual(counted);
  }, 120_000);

  it('a claim of "terraform/__tests__" does not reach actions/terraform/__tests__', () => {
    const terraform = patterns.get('terraform') ?? [];
    const file = path.join(repoRoot, 'actions/terraform/__tests__/bundle.test.ts');
    expect(terraform.some((p) => new RegExp(p, 'i').test(file))).toBe(false);
  });

  it('the check itself flags a file no suite runs and a file two suites run', () => {
    const a = path.join(repoRoot, 'x/__tests__/a.test.ts');
    const b = path.join(repoRoot, 'y/__tests__/b.test.ts');
    const fake = new Map([
      ['one', bash(`jest_patterns x y`)],
      ['two', bash(`jest_patterns y`)]
    ]);
    const lonely = path.join(repoRoot, 'z/__tests__/c.test.ts');
    expect(claimProblems([a, b, lonely], fake)).toEqual([
      'y/__tests__/b.test.ts: one, two',
      'z/__tests__/c.test.ts: no suite'
    ]);
  });
});

describe("the actions suite's 'actions/*' claim", () => {
  it('takes a new actions/<name>/__tests__ without a suite script being edited', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'suites-'));
    try {
      cpSync(suitesDir, path.join(root, 'scripts/suites'), { recursive: true });
      for (const action of ['shared', 'python-venv', 'fraud-scan', 'brand-new', 'no-tests-yet']) {
        mkdirSync(
          path.join(root, 'actions', action, action === 'no-tests-yet' ? 'src' : '__tests__'),
          {
            recursive: true
          }
        );
      }
      const actions = bash(`suite_jest_paths '${root}/scripts/suites/10-actions.sh'`, root);
      expect(actions).toEqual(expect.arrayContaining(['actions/brand-new', 'actions/shared']));
      // Claimed by the suites that install what their tests need; no tests, nothing to run.
      expect(actions).not.toContain('actions/python-venv');
      expect(actions).not.toContain('actions/fraud-scan');
      expect(actions).not.toContain('actions/no-tests-yet');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('CI', () => {
  it("ci.yml's suites job runs every suite but static and backend, which have jobs of their own", () => {
    const ci = parse(readFileSync(path.join(repoRoot, '.github/workflows/ci.yml'), 'utf8')) as {
      jobs: Record<string, { strategy?: { matrix?: { suite?: string[] } } }>;
    };
    const suites = readdirSync(suitesDir)
      .filter((file) => file.endsWith('.sh'))
      .map(suiteName)
      .filter((name) => name !== 'static' && name !== 'backend');
    expect(Object.keys(ci.jobs)).toEqual(expect.arrayContaining(['static', 'backend', 'suites']));
    expect([...(ci.jobs.suites?.strategy?.matrix?.suite ?? [])].sort()).toEqual(suites.sort());
  });
});
