import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { getOctokit } from '@actions/github';
import { ConfigurationError } from '../../shared/src/errors.js';
import { startGitHubStandIn, type GitHubStandIn } from '../../../tests/kit/stand-ins/github-api.js';
import type { Detector } from '../src/model/detector.js';
import { transactionsProfile } from '../src/features/transactions.js';
import { adminLink, type IssuesApi, openIssues } from '../src/issues/issues.js';
import { clusterKeys, groupRows } from '../src/issues/clusters.js';
import { checkRepository, readHistory } from '../src/issues/history.js';
import { code, codeCell } from '../src/report/markdown.js';
import { csvCell, reviewSentence } from '../src/report/report.js';
import type { Flagged } from '../src/scan.js';
import { live, PAYLOADS, tablesIntact } from './support/markdown-attacks.js';

let gh: GitHubStandIn;
let api: IssuesApi;
beforeAll(async () => {
  gh = await startGitHubStandIn();
  api = getOctokit('t0ken', { baseUrl: gh.url });
});
afterAll(async () => gh.close());

const detector = {
  profile: transactionsProfile,
  threshold: 0.5,
  training: { createdAt: '2026-01-01T00:00:00.000Z' }
} as unknown as Detector;

/** A flagged row of the transactions profile; keys from the same function the scan uses. */
function row(
  id: number,
  over: {
    card?: string;
    user?: string;
    ip?: string;
    score?: number;
    fields?: Record<string, string>;
  } = {}
): Flagged {
  const raw = {
    id,
    user_id: over.user ?? `u${id}`,
    card_fingerprint: over.card ?? `fp${String(id).padStart(6, '0')}`,
    client_ip: over.ip ?? `10.0.${Math.floor(id / 250)}.${id % 250}`
  };
  return {
    id: String(id),
    score: over.score ?? 1,
    fields: {
      ...transactionsProfile.publicFields(raw),
      card_last4: '4242',
      amount: '9.99',
      ...over.fields
    },
    drivers: [{ feature: 'card_attempts_in_hour', share: 0.8 }],
    keys: clusterKeys('transactions', raw)
  };
}

let repoN = 0;
let repo = 'shop';
beforeEach(() => {
  repo = `shop${++repoN}`;
});
const options = (over: Partial<Parameters<typeof openIssues>[3]> = {}) => ({
  owner: 'octo-org',
  repo,
  label: 'fraud-suspect',
  maxIssues: 10,
  dryRun: false,
  sourceKey: 'postgres:payments_transaction',
  runUrl: 'https://github.com/octo-org/shop/actions/runs/1',
  log: () => undefined,
  adminUrl: 'https://shop.example.com/admin/',
  ...over
});
const issuesOf = () => gh.issues.filter((i) => i.repository === `octo-org/${repo}`);
const commentsOf = () => gh.comments.filter((c) => c.repository === `octo-org/${repo}`);

describe('clusters: one issue per card, account or IP', () => {
  it('rows sharing a card, an account or an IP (directly or through another row) are one cluster', () => {
    const rows = [
      row(1, { card: 'cardA' }),
      row(2, { card: 'cardA', user: 'u9' }), // card with 1
      row(3, { user: 'u9' }), // account with 2
      row(4, { ip: '203.0.113.7' }),
      row(5, { ip: '203.0.113.7' }), // IP with 4
      row(6)
    ];
    const groups = groupRows(rows).map((g) => g.map((f) => f.id).sort());
    expect(groups.sort()).toEqual([['1', '2', '3'], ['4', '5'], ['6']]);
    expect(rows[3]?.keys?.find((k) => k.startsWith('ip:'))).toMatch(/^ip:[0-9a-f]{10}$/);
    expect(JSON.stringify(rows)).not.toContain('203.0.113.7');
  });

  it('opens one issue per cluster with a severity label from the score and admin links', async () => {
    const out = await openIssues(
      api,
      [row(1, { card: 'cardA', score: 6 }), row(2, { card: 'cardA' }), row(3, { score: 0.8 })],
      detector,
      options()
    );
    expect(out.opened).toBe(2);
    const [cluster, single] = issuesOf();
    expect(cluster?.title).toBe(
      'Suspected fraud (critical): card …4242 (cardA), 2 transaction(s), up to 12.0× the threshold'
    );
    expect(cluster?.labels.map((l) => l.name)).toEqual(['fraud-suspect', 'severity: critical']);
    expect(single?.labels.map((l) => l.name)).toEqual(['fraud-suspect', 'severity: low']);
    expect(cluster?.body).toContain(
      '[admin](<https://shop.example.com/admin/payments/transaction/1/change/>)'
    );
    expect(cluster?.body).toContain('<!-- fraud-scan:key=card:cardA -->');
    expect(cluster?.body).toContain('<!-- fraud-scan:txn=postgres:payments_transaction:2 -->');
    expect(gh.labels.get('severity: critical')?.color).toBe('b60205');
  });

  it('a second night adds a comment to the open cluster issue (found by its hidden marker) instead of opening another; a third opens nothing', async () => {
    await openIssues(api, [row(1, { card: 'cardB', score: 0.9 })], detector, options());
    expect(issuesOf()).toHaveLength(1);
    const second = await openIssues(
      api,
      [row(1, { card: 'cardB', score: 0.9 }), row(7, { card: 'cardB', score: 1.5 })],
      detector,
      options()
    );
    expect(second).toMatchObject({ opened: 0, commented: 1, skippedExisting: 1 });
    expect(issuesOf()).toHaveLength(1);
    const [comment] = commentsOf();
    expect(comment?.body).toContain('A later scan flagged 1 more transaction(s) of this cluster');
    expect(comment?.body).toContain('/payments/transaction/7/change/');
    const issue = issuesOf()[0];
    expect(issue?.body).toContain('<!-- fraud-scan:txn=postgres:payments_transaction:7 -->');
    // The severity label follows the highest score: low → medium.
    expect(issue?.labels.map((l) => l.name)).toEqual(['fraud-suspect', 'severity: medium']);
    const third = await openIssues(
      api,
      [row(1, { card: 'cardB' }), row(7, { card: 'cardB' })],
      detector,
      options()
    );
    expect(third).toMatchObject({ opened: 0, commented: 0, skippedExisting: 2 });
    expect(commentsOf()).toHaveLength(1);
  });

  it('a row linking two rows of different open issues goes to the oldest and names the other', async () => {
    await openIssues(api, [row(1, { card: 'cA' }), row(2, { card: 'cB' })], detector, options());
    await openIssues(
      api,
      [row(3, { card: 'cA', user: 'shared' }), row(4, { card: 'cB', user: 'shared' })],
      detector,
      options()
    );
    expect(issuesOf()).toHaveLength(2);
    expect(commentsOf()).toHaveLength(1);
    expect(commentsOf()[0]?.body).toMatch(/Also linked to open issue\(s\) #\d+/);
  });

  it('two clusters of one night that meet the same open issue are one comment on it', async () => {
    await openIssues(api, [row(1, { card: 'cX', user: 'uX' })], detector, options());
    const out = await openIssues(
      api,
      [row(2, { card: 'cX' }), row(3, { user: 'uX' })],
      detector,
      options()
    );
    expect(out).toMatchObject({ opened: 0, commented: 1 });
    expect(issuesOf()).toHaveLength(1);
    expect(commentsOf()[0]?.body).toContain('flagged 2 more transaction(s)');
    expect(issuesOf()[0]?.body).toContain('payments_transaction:3 -->');
  });

  it('caps issues and comments per run; the rest go into one summary issue', async () => {
    const rows = Array.from({ length: 6 }, (_, i) => row(100 + i, { score: 2 - i / 10 }));
    const out = await openIssues(api, rows, detector, options({ maxIssues: 2 }));
    expect(out.opened).toBe(2);
    expect(issuesOf()).toHaveLength(3);
    expect(issuesOf()[2]?.title).toBe(
      'Suspected fraud: 4 more flagged transaction(s) from postgres:payments_transaction'
    );
  });
});

describe('what analysts did is read at the next run', () => {
  it('an issue closed as not planned or labelled false-positive: its rows are not raised again, it is not added to, and the rate counts it', async () => {
    await openIssues(
      api,
      [
        row(1, { card: 'fp1' }),
        row(2, { card: 'fp2' }),
        row(3, { card: 'ok' }),
        row(4, { card: 'open' })
      ],
      detector,
      options()
    );
    const [a, b, c] = issuesOf();
    Object.assign(a!, { state: 'closed', state_reason: 'not_planned' });
    b!.labels.push({ name: 'false-positive' });
    Object.assign(c!, { state: 'closed', state_reason: 'completed' });
    const history = await readHistory(api, options());
    expect(history.review).toEqual({
      reviewed: 3,
      falsePositives: 2,
      falsePositiveRows: 2,
      open: 1
    });
    expect(reviewSentence(history.review)).toBe(
      'Confirmed false-positive rate: 2 of 3 reviewed issue(s) (66.7%), covering 2 transaction(s) that are not raised again; 1 issue(s) still open.'
    );
    expect(history.open.map((i) => i.number)).toEqual([issuesOf()[3]?.number]);
    const out = await openIssues(
      api,
      [
        row(1, { card: 'fp1' }),
        row(2, { card: 'fp2' }),
        row(11, { card: 'fp2' }),
        row(12, { card: 'open' })
      ],
      detector,
      options()
    );
    // 1 and 2 are not raised again; 11 (new evidence on a dismissed card) gets its own issue,
    // not a comment on the false positive; 12 joins the open issue.
    expect(out).toMatchObject({ skippedExisting: 2, opened: 1, commented: 1 });
    expect(commentsOf().map((x) => x.issue_number)).toEqual([issuesOf()[3]?.number]);
  });
});

describe('privacy: where issues may go', () => {
  it('refuses a public repository without the opt-in, naming the inputs; allows it with the opt-in; allows a private one', async () => {
    gh.repositories.set('octo-org/public-shop', { visibility: 'public' });
    gh.repositories.set('octo-org/inner', { visibility: 'internal' });
    const o = {
      owner: 'octo-org',
      repo: 'public-shop',
      allowPublic: false,
      tokenInput: 'github-token',
      repoInput: "the workflow's repository"
    };
    await expect(checkRepository(api, o)).rejects.toThrow(
      'Refusing to open fraud issues in octo-org/public-shop: the repository is public, so anyone could read transaction ids, amounts, card fingerprints and scores. Open them in a private repository (inputs "issues-repository" and "issues-token"), or set input "allow-public-repository" to true to accept that. Nothing was opened.'
    );
    await expect(checkRepository(api, { ...o, repo: 'inner' })).rejects.toThrow(
      /is internal, so everyone in the enterprise/
    );
    await expect(checkRepository(api, { ...o, allowPublic: true })).resolves.toBe('public');
    await expect(checkRepository(api, { ...o, repo: 'private-shop' })).resolves.toBe('private');
  });

  it('a repository the token cannot see names the input', async () => {
    gh.repositories.set('risk/cases', { visibility: 'private', hidden: true });
    await expect(
      checkRepository(api, {
        owner: 'risk',
        repo: 'cases',
        allowPublic: false,
        tokenInput: 'issues-token',
        repoInput: 'input "issues-repository"'
      })
    ).rejects.toThrow(
      /^Repository risk\/cases \(input "issues-repository"\) was not found, or the token in input "issues-token" cannot read it \(GitHub answered 404/
    );
  });

  it('a token without issues: write gets an error naming the permission, and nothing is opened', async () => {
    gh.faults.issueWrites = {
      status: 403,
      message: 'Resource not accessible by integration',
      acceptedPermissions: 'issues=write'
    };
    try {
      const error = await openIssues(
        api,
        [row(1), row(2)],
        detector,
        options({ tokenInput: 'issues-token' })
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toBe(
        `The token in input "issues-token" cannot write issues in octo-org/${repo}: GitHub answered 403 "Resource not accessible by integration". It needs the "issues: write" permission (GitHub asks for issues=write) — in the workflow, "permissions: issues: write"; for a fine-grained token, Issues: Read and write on that repository. Nothing was opened; the flagged rows are in flagged.csv and stay unmarked, so the next run raises them.`
      );
      expect(issuesOf()).toHaveLength(0);
    } finally {
      delete gh.faults.issueWrites;
    }
  });
});

describe('injection: a value from the data cannot mention, link, embed, break a table or inject HTML', () => {
  it('the checker sees a live mention, link, image, HTML and a broken table', () => {
    for (const p of ['@octocat', '[x](http://evil)', '![i](http://evil/x.png)', '<img src=x>'])
      expect(live(`| ${p} |`)).not.toEqual([]);
    expect(live('| `@octocat` | `[x](http://evil)` |')).toEqual([]);
    expect(tablesIntact('| a | b |\n| --- | --- |\n| `x|y` | z |')).toBe(false);
    expect(tablesIntact('| a | b |\n| --- | --- |\n| `x\\|y` | z |')).toBe(true);
  });

  it('code spans hold any value literally', () => {
    expect(code('a`b')).toBe('``a`b``');
    expect(code('`x`')).toBe('`` `x` ``');
    expect(codeCell('a|b')).toBe('`a\\|b`');
    expect(code('x\ny\u202e')).toBe('`x\ufffdy\ufffd`');
  });

  it('payloads in every field, the id and the keys: bodies, comments and titles carry none of them live', async () => {
    const fieldNames = Object.keys(transactionsProfile.publicFields({}));
    const rows = PAYLOADS.map((p, i) =>
      row(500 + i, {
        card: `evil${i}`,
        score: 1 + i,
        fields: Object.fromEntries(fieldNames.map((n) => [n, p]))
      })
    );
    // The id itself is hostile too (it is in markers, links and titles).
    rows.push({ ...row(999, { user: '@octocat' }), id: '1 --> @octocat <!-- [x](http://evil)' });
    await openIssues(api, rows, detector, options({ maxIssues: 12 }));
    // A second night: same clusters, new rows, so comments are produced too.
    await openIssues(
      api,
      PAYLOADS.map((p, i) =>
        row(700 + i, {
          card: `evil${i}`,
          fields: Object.fromEntries(fieldNames.map((n) => [n, p]))
        })
      ),
      detector,
      options({ maxIssues: 20 })
    );
    expect(issuesOf().length).toBeGreaterThan(10);
    expect(commentsOf().length).toBeGreaterThan(5);
    for (const text of [...issuesOf().map((i) => i.body), ...commentsOf().map((c) => c.body)]) {
      expect(live(text)).toEqual([]);
      expect(tablesIntact(text)).toBe(true);
    }
    for (const i of issuesOf()) expect(i.title).not.toMatch(/@|[\n\r]|`/);
    // The hostile id's marker is encoded: it cannot close the comment.
    const hostile = issuesOf()
      .map((i) => i.body)
      .join('\n');
    expect(hostile).toContain(
      '<!-- fraud-scan:txn=postgres:payments_transaction:1%20-%2D%3E%20%40octocat%20%3C!-%2D%20%5Bx%5D(http:%2F%2Fevil) -->'
    );
  });

  it('the admin link encodes the id so it cannot leave the link', () => {
    expect(
      adminLink('https://shop.example.com/admin/', 'transactions', '1) ![i](http://evil')
    ).toBe(
      '[admin](<https://shop.example.com/admin/payments/transaction/1%29%20!%5Bi%5D%28http%3A%2F%2Fevil/change/>)'.replace(
        '!%5B',
        '%21%5B'
      )
    );
    expect(adminLink(undefined, 'transactions', '1')).toBe('');
  });

  it('CSV cells that a spreadsheet would run as a formula get a leading apostrophe; plain numbers do not', () => {
    expect(csvCell('=HYPERLINK("http://evil","click")')).toBe(
      `"'=HYPERLINK(""http://evil"",""click"")"`
    );
    expect(csvCell('+1+cmd|calc')).toBe("'+1+cmd|calc");
    expect(csvCell('@SUM(1+1)')).toBe("'@SUM(1+1)");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('\tTAB')).toBe("'\tTAB");
    expect(csvCell('\r=1')).toBe(`"'\r=1"`);
    expect(csvCell('-5.00')).toBe('-5.00');
    expect(csvCell('+44')).toBe('+44');
    expect(csvCell('plain')).toBe('plain');
  });
});
