import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getOctokit } from '@actions/github';
import { startGitHubStandIn, type GitHubStandIn } from '../../../tests/kit/stand-ins/github-api.js';
import type { Detector } from '../src/model/detector.js';
import { transactionsProfile } from '../src/features/transactions.js';
import { type IssuesApi, marker, openIssues } from '../src/issues/issues.js';
import type { Flagged } from '../src/scan.js';

let gh: GitHubStandIn;
beforeAll(async () => {
  gh = await startGitHubStandIn();
});
afterAll(async () => gh.close());

const detector = {
  profile: transactionsProfile,
  threshold: 0.5,
  training: { createdAt: '2026-01-01T00:00:00.000Z' }
} as unknown as Detector;

const flagged = (id: number): Flagged => ({
  id: String(id),
  score: 1 + id / 1000,
  fields: { id: String(id), card_last4: '4242', card_fingerprint: 'abcdef12', amount: '9.99' },
  drivers: [
    { feature: 'card_attempts_in_hour', share: 0.7 },
    { feature: 'card_decline_ratio', share: 0.2 }
  ]
});

const options = (
  over: Partial<Parameters<typeof openIssues>[3]> = {}
): Parameters<typeof openIssues>[3] => ({
  owner: 'octo-org',
  repo: 'shop',
  label: 'fraud-suspect',
  maxIssues: 10,
  dryRun: false,
  sourceKey: 'postgres:payments_transaction',
  runUrl: 'https://github.com/octo-org/shop/actions/runs/1',
  log: () => undefined,
  ...over
});

describe('issues against the GitHub REST stand-in', () => {
  it('reads every page of existing issues (all states) and opens only transactions not seen before', async () => {
    // 150 earlier issues (some closed) already cover transactions 1..150.
    for (let i = 1; i <= 150; i++) {
      gh.issues.push({
        number: gh.issues.length + 1,
        title: `old ${i}`,
        body: `x\n${marker('postgres:payments_transaction', String(i))}`,
        state: i % 3 === 0 ? 'closed' : 'open',
        labels: [{ name: 'fraud-suspect' }],
        html_url: `https://github.com/octo-org/shop/issues/${i}`
      });
    }
    const api = getOctokit('t0ken', { baseUrl: gh.url }) as unknown as IssuesApi;
    const outcome = await openIssues(api, [140, 151, 152, 153].map(flagged), detector, options());
    expect(outcome.skippedExisting).toBe(1);
    expect(outcome.opened).toBe(3);
    const pages = gh.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/issues'));
    expect(pages.map((r) => r.query.page)).toEqual(['1', '2']);
    expect(pages[0]?.query.state).toBe('all');
    expect(gh.labels.get('fraud-suspect')).toBeDefined();
  });

  it('caps issues per run and lists the rest in one summary issue; a second run opens nothing', async () => {
    const api = getOctokit('t0ken', { baseUrl: gh.url }) as unknown as IssuesApi;
    const before = gh.issues.length;
    const batch = Array.from({ length: 8 }, (_, i) => flagged(300 + i));
    const first = await openIssues(api, batch, detector, options({ maxIssues: 3 }));
    expect(first.opened).toBe(3);
    expect(first.summaryIssue).toMatch(/\/issues\/\d+$/);
    expect(gh.issues.length).toBe(before + 4);
    const summary = gh.issues[gh.issues.length - 1];
    expect(summary?.title).toContain('5 more flagged');
    const second = await openIssues(api, batch, detector, options({ maxIssues: 3 }));
    expect(second.opened).toBe(0);
    expect(second.summaryIssue).toBeUndefined();
    expect(second.skippedExisting).toBe(8);
    expect(gh.issues.length).toBe(before + 4);
  });

  it('a dry run opens nothing and says what it would open', async () => {
    const api = getOctokit('t0ken', { baseUrl: gh.url }) as unknown as IssuesApi;
    const before = gh.issues.length;
    const lines: string[] = [];
    const outcome = await openIssues(
      api,
      [flagged(900)],
      detector,
      options({ dryRun: true, log: (l) => lines.push(l) })
    );
    expect(gh.issues.length).toBe(before);
    expect(outcome.wouldOpen).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\[dry run\] would open: Suspected fraud \(medium\): transaction 900/
    );
  });

  it('the body has score, threshold, drivers, run link and the hidden marker', async () => {
    const issue = gh.issues.find((i) => i.title.includes('transaction 151'));
    expect(issue?.body).toContain('the threshold 0.5000');
    expect(issue?.body).toContain(
      '| 1.1510 | 2.3 | `card_attempts_in_hour` 70%, `card_decline_ratio` 20% |'
    );
    expect(issue?.body).toContain('https://github.com/octo-org/shop/actions/runs/1');
    expect(issue?.body).toContain('<!-- fraud-scan:txn=postgres:payments_transaction:151 -->');
  });

  it('the stand-in refuses requests without credentials, as GitHub does', async () => {
    const response = await fetch(`${gh.url}/repos/o/r/issues`);
    expect(response.status).toBe(401);
  });
});
