import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../kit/action-bundle.js';
import { readWorkflow } from './support/workflow-files.js';
import { ghStandIn, runStep } from './support/run-step.js';

// release.yml: its promises read from the file, and its run: steps replayed under bash with a
// `gh` stand-in answering as GitHub's REST API does.

const { workflow } = readWorkflow('release.yml');
const jobs = workflow.jobs;
const step = (name: string) => jobs.release?.steps?.find((s) => s.name === name);
const SHA = '0123456789abcdef0123456789abcdef01234567';
const CHANGELOG = readFileSync(path.join(repoRoot, 'CHANGELOG.md'), 'utf8');

/** A checkout whose CHANGELOG.md is the real one with these sections inserted after Unreleased. */
function checkout(sections: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'release-'));
  const at = CHANGELOG.indexOf('\n## [', CHANGELOG.indexOf('## [Unreleased]') + 1);
  const text =
    at < 0
      ? `${CHANGELOG}\n${sections}`
      : CHANGELOG.slice(0, at + 1) + sections + CHANGELOG.slice(at + 1);
  writeFileSync(path.join(dir, 'CHANGELOG.md'), text);
  return dir;
}

describe('release.yml', () => {
  it('runs on vX.Y.Z tags only, and the release waits for the dist check', () => {
    expect(workflow.on).toEqual({ push: { tags: ['v[0-9]+.[0-9]+.[0-9]+'] } });
    expect(jobs.release?.needs).toBe('dist');
    expect(jobs.dist?.steps?.map((s) => s.run).filter(Boolean)).toEqual([
      'npm ci',
      'node scripts/build-actions.mjs --check'
    ]);
  });

  it('grants nothing by default; contents: write only to the release job, no credentials in a checkout', () => {
    expect(workflow.permissions).toEqual({});
    expect(jobs.dist?.permissions).toEqual({ contents: 'read' });
    expect(jobs.release?.permissions).toEqual({ contents: 'write' });
    for (const job of Object.values(jobs))
      for (const s of job.steps ?? [])
        if (s.uses?.startsWith('actions/checkout@'))
          expect(s.with?.['persist-credentials']).toBe(false);
  });

  describe('release notes', () => {
    const notes = (tag: string, dir: string) =>
      runStep(step('Release notes from CHANGELOG.md'), { TAG: tag }, dir);

    it("are the tag's CHANGELOG section, without its heading, the next section or link lines", () => {
      const dir = checkout(
        '## [1.2.0] - 2026-12-05\n\n### Added\n\n- Drift detection.\n\n[1.2.0]: https://example.com/v1.2.0\n\n## [1.1.0] - 2026-11-30\n\n- Older.\n\n'
      );
      const run = notes('v1.2.0', dir);
      expect(run.status).toBe(0);
      const body = readFileSync(run.outputs.file ?? '', 'utf8');
      expect(body).toContain('### Added\n\n- Drift detection.');
      expect(body).not.toContain('## [1.2.0]');
      expect(body).not.toContain('Older');
      expect(body).not.toContain('https://example.com');
    });

    it('refuse a tag without a section, saying what to do (Unreleased is not a release)', () => {
      const run = notes('v9.9.9', checkout(''));
      expect(run.status).toBe(1);
      expect(run.stdout).toContain(
        '::error file=CHANGELOG.md::CHANGELOG.md has no section "## [9.9.9] - YYYY-MM-DD": move the Unreleased entries under it'
      );
      expect(run.outputs).toEqual({});
    });

    it('do not take 1.2.1 for 1.2.10', () => {
      const dir = checkout(
        '## [1.2.10] - 2026-12-05\n\n- Ten.\n\n## [1.2.1] - 2026-12-01\n\n- One.\n\n'
      );
      const run = notes('v1.2.1', dir);
      expect(readFileSync(run.outputs.file ?? '', 'utf8').trim()).toBe('- One.');
    });
  });

  describe('the major tag', () => {
    const move = (tag: string, tags: string[], majorExists: boolean) => {
      const gh = ghStandIn([
        {
          args: /^api repos\/octo\/shop\/git\/matching-refs\/tags\/v1\./,
          stdout: tags.map((t) => ({ ref: `refs/tags/${t}` }))
        },
        { args: /^api repos\/octo\/shop\/git\/ref\/tags\/v1$/, exit: majorExists ? 0 : 1 },
        { args: /^api -X (PATCH|POST) /, stdout: {} }
      ]);
      const run = runStep(
        step('Move the major tag'),
        { PATH: gh.path, TAG: tag, GITHUB_REPOSITORY: 'octo/shop', GITHUB_SHA: SHA },
        repoRoot
      );
      return { run, writes: gh.calls().filter((c) => c.includes('-X')) };
    };

    it('moves v1 to the newest v1.x.y with force', () => {
      const { run, writes } = move('v1.3.0', ['v1.0.0', 'v1.2.9', 'v1.3.0', 'v1-beta'], true);
      expect(run.status).toBe(0);
      expect(writes).toEqual([
        [
          'api',
          '-X',
          'PATCH',
          'repos/octo/shop/git/refs/tags/v1',
          '-f',
          `sha=${SHA}`,
          '-F',
          'force=true'
        ]
      ]);
    });

    it('creates v1 on the first release', () => {
      const { writes } = move('v1.0.0', ['v1.0.0'], false);
      expect(writes).toEqual([
        [
          'api',
          '-X',
          'POST',
          'repos/octo/shop/git/refs',
          '-f',
          'ref=refs/tags/v1',
          '-f',
          `sha=${SHA}`
        ]
      ]);
    });

    it('leaves v1 alone for a patch of an older minor (v1.2.10 after v1.10.0)', () => {
      const { run, writes } = move('v1.2.10', ['v1.2.10', 'v1.10.0', 'v1.9.0'], true);
      expect(run.status).toBe(0);
      expect(writes).toEqual([]);
      expect(run.stdout).toContain(
        '::notice::v1 stays where it is: v1.10.0 is newer than v1.2.10.'
      );
    });
  });

  it('refuses a tag on a commit that is not on the default branch', () => {
    const gh = ghStandIn([{ args: /compare\/main\.\.\./, stdout: { status: 'diverged' } }]);
    const run = runStep(
      step('The tagged commit is on the default branch'),
      {
        PATH: gh.path,
        TAG: 'v1.0.0',
        GITHUB_REPOSITORY: 'octo/shop',
        GITHUB_SHA: SHA,
        DEFAULT_BRANCH: 'main'
      },
      repoRoot
    );
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('which is not on main (diverged)');
  });
});
