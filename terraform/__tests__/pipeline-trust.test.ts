import { generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { githubClaims, signJwt } from '../../tests/kit/stand-ins/oidc-token-server.js';
import { trustAllows } from './support/iam-evaluator.js';
import {
  renderPipelinePolicies,
  type Job,
  type RenderedPolicies
} from './support/pipeline-policies.js';

// Forged and honest GitHub OIDC tokens against the pipeline roles' trust policies as Terraform
// renders them. moto's STS does not evaluate web-identity trust conditions (it accepts any
// token), so the conditions are evaluated here by the repository's IAM evaluator, on the claims
// of real RS256 tokens signed the way GitHub's token service signs them.

const PROVIDER = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
const REPO = 'octo-org/shop';
const JOBS: Job[] = ['plan', 'apply', 'rollout'];
/** The one wildcard: the number in a pull request's merge ref. */
const PULL_REQUEST_PATTERN = `repo:${REPO}:pull_request:job_workflow_ref:${REPO}/.github/workflows/plan-pr.yml@refs/pull/*/merge`;

interface Scenario {
  name: string;
  repository?: string;
  event?: 'push' | 'pull_request' | 'schedule' | 'workflow_dispatch';
  ref?: string;
  environment?: string;
  workflow?: string;
  audience?: string;
  /** A sub that GitHub never issues but an attacker might hope for. */
  forgedSub?: string;
}

/** The subject GitHub puts in a job's token: its default template, or repo+context+job_workflow_ref. */
function subject(s: Scenario, pinned: boolean): string {
  if (s.forgedSub !== undefined) return s.forgedSub;
  const repository = s.repository ?? REPO;
  const context = s.environment
    ? `environment:${s.environment}`
    : s.event === 'pull_request'
      ? 'pull_request'
      : `ref:${s.ref ?? 'refs/heads/main'}`;
  const workflowRef = `${repository}/${s.workflow ?? '.github/workflows/deploy.yml'}@${s.ref ?? 'refs/heads/main'}`;
  return pinned
    ? `repo:${repository}:${context}:job_workflow_ref:${workflowRef}`
    : `repo:${repository}:${context}`;
}

let keys: { privateKey: KeyObject; publicKey: KeyObject };
const rendered: Record<'default' | 'pinned', RenderedPolicies | undefined> = {
  default: undefined,
  pinned: undefined
};

beforeAll(() => {
  keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  rendered.default = renderPipelinePolicies({ github_repository: REPO });
  rendered.pinned = renderPipelinePolicies({ github_repository: REPO, pin_deploy_workflow: true });
}, 120_000);

function token(s: Scenario, pinned: boolean): string {
  const claims = githubClaims(s.audience ?? 'sts.amazonaws.com', {
    repository: s.repository ?? REPO,
    ref: s.ref ?? 'refs/heads/main'
  });
  return signJwt(
    {
      ...claims,
      sub: subject(s, pinned),
      environment: s.environment,
      event_name: s.event ?? 'push'
    },
    keys.privateKey,
    'kid-1'
  );
}

/** What STS does before the trust policy: the token must verify against the provider's key. */
function claimsOf(jwt: string, publicKey: KeyObject): Record<string, string> {
  const [header, payload, signature] = jwt.split('.');
  const signed = verify(
    'sha256',
    Buffer.from(`${header}.${payload}`),
    publicKey,
    Buffer.from(signature ?? '', 'base64url')
  );
  if (!signed) throw new Error('InvalidIdentityToken: signature does not verify');
  return JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, string>;
}

function assumable(s: Scenario, pinned: boolean): Job[] {
  const policies = pinned ? rendered.pinned : rendered.default;
  if (!policies) throw new Error('policies not rendered');
  const claims = claimsOf(token(s, pinned), keys.publicKey);
  const context = {
    'token.actions.githubusercontent.com:sub': claims.sub,
    'token.actions.githubusercontent.com:aud': claims.aud
  };
  return JOBS.filter((job) =>
    trustAllows(policies.trust[job], PROVIDER, {
      action: 'sts:AssumeRoleWithWebIdentity',
      resource: policies.roleArns[job],
      context
    })
  );
}

// Each row: who presents the token, and which roles it may assume with GitHub's default subject
// template and with the pinned one (repo, context, job_workflow_ref).
const table: [Scenario, Job[], Job[]][] = [
  [{ name: 'a push to main (the deploy workflow’s plan job)' }, ['plan'], ['plan']],
  [
    { name: 'the production job of the deploy workflow on main', environment: 'production' },
    ['apply', 'rollout'],
    ['apply', 'rollout']
  ],
  [
    {
      name: 'plan-pr.yml on a pull request in the repository',
      event: 'pull_request',
      ref: 'refs/pull/7/merge',
      workflow: '.github/workflows/plan-pr.yml'
    },
    ['plan'],
    ['plan']
  ],
  [
    {
      name: 'plan-pr.yml on another pull request (any number)',
      event: 'pull_request',
      ref: 'refs/pull/123456/merge',
      workflow: '.github/workflows/plan-pr.yml'
    },
    ['plan'],
    ['plan']
  ],
  [
    {
      name: 'another workflow file on a pull request (the deploy workflow)',
      event: 'pull_request',
      ref: 'refs/pull/7/merge'
    },
    // The default subject names no workflow: any workflow a pull request runs gets the
    // read-only plan role. The pinned one names plan-pr.yml.
    ['plan'],
    []
  ],
  [
    {
      name: 'another workflow file on a pull request (a new one the pull request adds)',
      event: 'pull_request',
      ref: 'refs/pull/7/merge',
      workflow: '.github/workflows/plan-pr-2.yml'
    },
    ['plan'],
    []
  ],
  [
    {
      // GitHub gives a fork's pull request into this repository no OIDC token (plan-pr.yml's
      // no-credentials job); what a fork can present is its own repository's.
      name: 'a fork’s pull request run in the fork, with plan-pr.yml',
      repository: 'mallory/shop',
      event: 'pull_request',
      ref: 'refs/pull/1/merge',
      workflow: '.github/workflows/plan-pr.yml'
    },
    [],
    []
  ],
  [
    {
      name: 'another repository’s plan-pr.yml on a pull request',
      repository: 'octo-org/other',
      event: 'pull_request',
      ref: 'refs/pull/7/merge',
      workflow: '.github/workflows/plan-pr.yml'
    },
    [],
    []
  ],
  [
    {
      name: 'plan-pr.yml run on main (not on a pull request)',
      workflow: '.github/workflows/plan-pr.yml'
    },
    ['plan'],
    []
  ],
  [
    {
      name: 'the drift check on main',
      event: 'schedule',
      workflow: '.github/workflows/drift.yml'
    },
    ['plan'],
    ['plan']
  ],
  [
    {
      name: 'the drift check started on another branch',
      event: 'workflow_dispatch',
      ref: 'refs/heads/feature',
      workflow: '.github/workflows/drift.yml'
    },
    [],
    []
  ],
  [
    {
      name: 'the drift check of another repository',
      repository: 'octo-org/other',
      event: 'schedule',
      workflow: '.github/workflows/drift.yml'
    },
    [],
    []
  ],
  [
    {
      name: 'the nightly fraud scan on main',
      event: 'schedule',
      workflow: '.github/workflows/fraud-scan.yml'
    },
    ['plan'],
    []
  ],
  [
    {
      name: 'a fork’s pull request (the fork’s own repository)',
      repository: 'mallory/shop',
      event: 'pull_request'
    },
    [],
    []
  ],
  [
    {
      name: 'another repository’s production job',
      repository: 'octo-org/other',
      environment: 'production'
    },
    [],
    []
  ],
  [{ name: 'another branch’s push', ref: 'refs/heads/feature' }, [], []],
  [
    {
      name: 'another branch claiming environment production',
      ref: 'refs/heads/feature',
      environment: 'production'
    },
    // The default subject cannot tell branches apart: the environment's branch policy must
    // (the production-gate action refuses to apply without it). The pinned subject can.
    ['apply', 'rollout'],
    []
  ],
  [
    {
      name: 'another workflow file on main with environment production',
      environment: 'production',
      workflow: '.github/workflows/evil.yml'
    },
    ['apply', 'rollout'],
    []
  ],
  [
    {
      name: 'a token for another audience',
      environment: 'production',
      audience: 'https://github.com/octo-org'
    },
    [],
    []
  ],
  [{ name: 'a wildcard subject', forgedSub: 'repo:octo-org/*' }, [], []],
  [
    {
      name: 'a subject that only starts right',
      forgedSub: `repo:${REPO}:environment:production-2`
    },
    [],
    []
  ],
  [{ name: 'an empty subject', forgedSub: '' }, [], []],
  [
    {
      name: 'a pull request subject for a branch ref',
      forgedSub: `repo:${REPO}:pull_request:job_workflow_ref:${REPO}/.github/workflows/plan-pr.yml@refs/heads/main`
    },
    [],
    []
  ],
  [
    {
      name: 'a pull request subject naming this repository only after the pattern’s start',
      forgedSub: `repo:octo-org/other:pull_request:job_workflow_ref:${REPO}/.github/workflows/plan-pr.yml@refs/pull/7/merge`
    },
    [],
    []
  ]
];

describe('pipeline trust policies against GitHub OIDC tokens', () => {
  const rows = table.map(
    ([scenario, withDefault, withPinned]) =>
      [scenario.name, scenario, withDefault, withPinned] as const
  );

  it.each(rows)('%s — default subjects: %j', (_name, scenario, withDefault) => {
    expect(assumable(scenario, false)).toEqual(withDefault);
  });

  it.each(rows)('%s — pinned subjects: %j', (_name, scenario, _default, withPinned) => {
    expect(assumable(scenario, true)).toEqual(withPinned);
  });

  it('refuses a token signed by another key before any trust policy is read', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = signJwt(
      githubClaims('sts.amazonaws.com', { repository: REPO }),
      other.privateKey,
      'kid-1'
    );
    expect(() => claimsOf(forged, keys.publicKey)).toThrow(/signature/);
  });

  it('matches subjects exactly (StringEquals on sub and aud), one federated provider; only the pinned plan role adds one StringLike pattern, for a pull request’s number', () => {
    for (const [kind, policies] of Object.entries(rendered)) {
      for (const job of JOBS) {
        const [statement, ...rest] = ([] as unknown[]).concat(policies?.trust[job].Statement) as {
          Condition: Record<string, Record<string, unknown>>;
          Principal: unknown;
        }[];
        expect(Object.keys(statement?.Condition ?? {})).toEqual(['StringEquals']);
        expect(Object.keys(statement?.Condition.StringEquals ?? {}).sort()).toEqual([
          'token.actions.githubusercontent.com:aud',
          'token.actions.githubusercontent.com:sub'
        ]);
        expect(statement?.Principal).toEqual({ Federated: PROVIDER });
        expect(JSON.stringify(policies?.subjects[job])).not.toMatch(/[*?]/);
        const patterns = kind === 'pinned' && job === 'plan' ? [PULL_REQUEST_PATTERN] : [];
        expect({ kind, job, patterns: policies?.subjectPatterns[job] }).toEqual({
          kind,
          job,
          patterns
        });
        expect(rest).toEqual(
          patterns.length === 0
            ? []
            : [
                {
                  Sid: 'GitHubActionsPlanPullRequests',
                  Effect: 'Allow',
                  Principal: { Federated: PROVIDER },
                  Action: 'sts:AssumeRoleWithWebIdentity',
                  Condition: {
                    StringEquals: {
                      'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com'
                    },
                    StringLike: { 'token.actions.githubusercontent.com:sub': patterns }
                  }
                }
              ]
        );
      }
    }
  });
});
