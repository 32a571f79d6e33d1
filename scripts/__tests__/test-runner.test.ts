import { describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../tests/kit/action-bundle.js';

const common = path.join(repoRoot, 'scripts/lib/common.sh');

describe('ensure_postgres', () => {
  it('starts a throw-away PostgreSQL when none answers at the configured address, and removes it on exit', () => {
    // Port 1 never has a PostgreSQL: the newcomer's-laptop case.
    const script = `source '${common}'; export PGPORT=1; ensure_postgres >&2; echo "$PGPORT $PG_THROWAWAY_DIR"; psql -Atc 'select 6*7'`;
    const out = execFileSync('bash', ['-c', script], { encoding: 'utf8', timeout: 60_000 });
    const [first, answer] = out.trim().split('\n');
    const [port, dir] = (first ?? '').split(' ');
    expect(Number(port)).toBeGreaterThan(1);
    expect(answer).toBe('42');
    expect(dir).toMatch(/pg-throwaway/);
    expect(existsSync(dir ?? '')).toBe(false);
  });

  it('uses the configured PostgreSQL when it answers', () => {
    const out = execFileSync(
      'bash',
      [
        '-c',
        `source '${common}'; ensure_postgres; echo "$PGHOST:$PGPORT \${PG_THROWAWAY_DIR:-none}"`
      ],
      { encoding: 'utf8', timeout: 30_000, env: { ...process.env, PG_THROWAWAY_DIR: '' } }
    );
    expect(out.trim()).toBe(
      `${process.env.PGHOST ?? '127.0.0.1'}:${process.env.PGPORT ?? '5432'} none`
    );
  });
});

describe('summarize-results.py', () => {
  const summarize = (files: Record<string, string>): { status: number | null; out: string } => {
    const dir = mkdtempSync(path.join(tmpdir(), 'results-'));
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    const run = spawnSync(
      'python3',
      [path.join(repoRoot, 'scripts/lib/summarize-results.py'), dir, path.join(dir, 'suites.tsv')],
      {
        encoding: 'utf8'
      }
    );
    return { status: run.status, out: run.stdout };
  };
  const junit = `<testsuites><testsuite name="s">
    <testcase name="a"/><testcase name="b"><failure message="x"/></testcase>
    <testcase name="c"><skipped/></testcase><testcase name="d"><error/></testcase>
  </testsuite></testsuites>`;

  it('adds JUnit cases and check records per suite into one closing line', () => {
    const { status, out } = summarize({
      'backend-pytest.xml': junit,
      'static-checks.jsonl': '{"name": "eslint", "status": 0, "seconds": 3}\n',
      'suites.tsv': 'static\t0\t3\nbackend\t1\t20\n'
    });
    expect(status).toBe(1);
    expect(out.trim().split('\n').at(-1)).toBe('tests: 2 passed, 2 failed, 1 skipped');
  });

  it('counts a suite that crashed before reporting as a failure', () => {
    const { status, out } = summarize({ 'suites.tsv': 'fraud\t2\t1\n' });
    expect(status).toBe(1);
    expect(out).toContain('FAILED (exit 2)');
    expect(out.trim().split('\n').at(-1)).toBe('tests: 0 passed, 1 failed, 0 skipped');
  });

  it("ignores other runs' suites in the same folder", () => {
    const { status, out } = summarize({
      'static-checks.jsonl': '{"name": "tsc", "status": 0, "seconds": 1}\n',
      'backend-pytest.xml': junit,
      'suites.tsv': 'static\t0\t1\n'
    });
    expect(status).toBe(0);
    expect(out.trim().split('\n').at(-1)).toBe('tests: 1 passed, 0 failed, 0 skipped');
  });

  it('gives reports of suites with dashes in their names to the right suite', () => {
    const { out } = summarize({
      'python-actions-jest.xml': junit,
      'python-checks.jsonl': '{"name": "other run", "status": 1, "seconds": 1}\n',
      'suites.tsv': 'python-actions\t1\t9\n'
    });
    expect(out).toMatch(/python-actions\s+FAILED \(exit 1\)\s+1\s+2\s+1/);
  });

  it('counts an unreadable report as a failure instead of crashing', () => {
    const { status, out } = summarize({
      'frontend-vitest.xml': '<testsuites><testsuite',
      'suites.tsv': 'frontend\t0\t5\n'
    });
    expect(status).toBe(1);
    expect(out.trim().split('\n').at(-1)).toBe('tests: 0 passed, 1 failed, 0 skipped');
  });

  it('exits 0 when every suite passed', () => {
    const { status } = summarize({
      'static-checks.jsonl': '{"name": "tsc", "status": 0, "seconds": 1}\n',
      'suites.tsv': 'static\t0\t1\n'
    });
    expect(status).toBe(0);
  });
});
