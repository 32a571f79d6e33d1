import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot, runnerNode } from '../../../tests/kit/action-bundle.js';

const cli = path.join(repoRoot, 'actions/fraud-scan/dist/cli.js');

describe('the committed CLI bundle', () => {
  it('loads its lazily imported GitHub client with --open-issues, then reports a missing source', () => {
    // --open-issues imports @actions/github on demand: ncc emits it as a chunk that must sit
    // beside cli.js. A misplaced chunk fails here with "Cannot find module …index.js".
    const run = spawnSync(
      runnerNode(),
      [
        cli,
        'scan',
        '--source',
        '/nonexistent/transactions.csv',
        '--profile',
        'transactions',
        '--open-issues'
      ],
      {
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, GITHUB_TOKEN: 'test-token', GITHUB_REPOSITORY: 'octo-org/shop' }
      }
    );
    const output = run.stdout + run.stderr;
    expect(output).not.toContain('Cannot find module');
    expect(output).toContain('Source CSV file "/nonexistent/transactions.csv" does not exist');
    expect(run.status).not.toBe(0);
  });
});
