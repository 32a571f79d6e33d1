import { describe, expect, it } from '@jest/globals';
import { block, bodies, loadModule, str, type Body } from './support/hcl.js';
import type { Statement } from './support/iam-evaluator.js';
import { renderPipelinePolicies } from './support/pipeline-policies.js';

// The fraud scan's metrics path in Terraform: the monitoring module's upload role (GitHub
// OIDC, the repository's default branch only, s3:PutObject on one key), the instance role's
// read of that key, the deploy role's read of the OIDC provider, and the root's wiring.

function statements(document: Body): Body[] {
  return bodies(document.statement);
}

function conditions(statement: Body): Record<string, Body> {
  return Object.fromEntries(bodies(statement.condition).map((c) => [String(c.variable), c]));
}

/** The regex of a variable's validation, as JavaScript would run it. */
function validationRegex(variable: Body): RegExp {
  const condition = str(bodies(variable.validation)[0] ?? {}, 'condition') ?? '';
  const pattern = /regex\("((?:[^"\\]|\\.)+)"/.exec(condition)?.[1];
  if (!pattern) throw new Error(`no regex in ${condition}`);
  return new RegExp(pattern.replace(/\\\\/g, '\\'));
}

describe("the fraud scan's upload role (modules/monitoring)", () => {
  it('trusts only GitHub OIDC tokens for sts.amazonaws.com from the default branch of one repository', async () => {
    const monitoring = await loadModule('modules/monitoring');
    const trust = statements(
      block(monitoring, 'data', 'aws_iam_policy_document', 'fraud_scan_trust').body
    );
    expect(trust).toHaveLength(1);
    const statement = trust[0] ?? {};
    expect(statement.actions).toEqual(['sts:AssumeRoleWithWebIdentity']);
    expect(statement.effect ?? 'Allow').toBe('Allow');
    expect(bodies(statement.principals)).toEqual([
      { type: 'Federated', identifiers: ['${data.aws_iam_openid_connect_provider.github[0].arn}'] }
    ]);
    const byVariable = conditions(statement);
    expect(Object.keys(byVariable).sort()).toEqual([
      'token.actions.githubusercontent.com:aud',
      'token.actions.githubusercontent.com:sub'
    ]);
    expect(byVariable['token.actions.githubusercontent.com:aud']).toMatchObject({
      test: 'StringEquals',
      values: ['sts.amazonaws.com']
    });
    expect(byVariable['token.actions.githubusercontent.com:sub']).toMatchObject({
      test: 'StringEquals',
      values: ['${local.fraud_scan_subject}']
    });
    // The subject: the default branch, plus the workflow file when pinned (fraud-model.test.ts
    // renders both with terraform).
    expect(monitoring.locals.fraud_scan_branch_sub).toBe(
      'repo:${var.fraud_scan_github_repository}:ref:refs/heads/${var.fraud_scan_github_branch}'
    );
    expect(monitoring.locals.fraud_scan_subject).toBe(
      '${var.fraud_scan_pin_workflow ? "${local.fraud_scan_branch_sub}:job_workflow_ref:${var.fraud_scan_github_repository}/.github/workflows/fraud-scan.yml@refs/heads/${var.fraud_scan_github_branch}" : local.fraud_scan_branch_sub}'
    );
    expect(JSON.stringify(monitoring.files['modules/monitoring/main.tf'])).not.toContain(
      'StringLike'
    );
  });

  it('looks the OIDC provider up by its fixed ARN and never creates one', async () => {
    const monitoring = await loadModule('modules/monitoring');
    const provider = block(monitoring, 'data', 'aws_iam_openid_connect_provider', 'github').body;
    expect(provider.arn).toBe(
      'arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/token.actions.githubusercontent.com'
    );
    expect(
      monitoring.blocks
        .filter((b) => b.type === 'aws_iam_openid_connect_provider')
        .map((b) => b.kind)
    ).toEqual(['data']);
  });

  it('may only put the one object, fraud-scan/fraud_scan.prom, into the monitoring bucket', async () => {
    const monitoring = await loadModule('modules/monitoring');
    expect(monitoring.locals.fraud_scan_metrics_key).toBe('fraud-scan/fraud_scan.prom');
    const policy = statements(
      block(monitoring, 'data', 'aws_iam_policy_document', 'fraud_scan_upload').body
    );
    expect(policy).toEqual([
      {
        sid: 'PutFraudScanMetrics',
        actions: ['s3:PutObject'],
        resources: ['${aws_s3_bucket.config.arn}/${local.fraud_scan_metrics_key}']
      }
    ]);
    const attachment = block(
      monitoring,
      'resource',
      'aws_iam_role_policy',
      'fraud_scan_upload'
    ).body;
    expect(attachment.policy).toBe('${data.aws_iam_policy_document.fraud_scan_upload.json}');
    expect(attachment.role).toBe('${aws_iam_role.fraud_scan_upload[0].id}');
    // Nothing else is attached to it.
    const others = monitoring.blocks.filter(
      (b) =>
        b.type === 'aws_iam_role_policy_attachment' &&
        JSON.stringify(b.body).includes('fraud_scan_upload')
    );
    expect(others).toEqual([]);
  });

  it('exists only when a repository is given, under a name the deploy role may manage', async () => {
    const monitoring = await loadModule('modules/monitoring');
    expect(monitoring.locals.fraud_scan_metrics_upload).toBe(
      '${var.fraud_scan_github_repository != ""}'
    );
    for (const [kind, type, name] of [
      ['resource', 'aws_iam_role', 'fraud_scan_upload'],
      ['resource', 'aws_iam_role_policy', 'fraud_scan_upload'],
      ['data', 'aws_iam_policy_document', 'fraud_scan_trust'],
      ['data', 'aws_iam_openid_connect_provider', 'github']
    ] as const)
      expect({ name, count: block(monitoring, kind, type, name).body.count }).toEqual({
        name,
        count: '${local.fraud_scan_metrics_upload ? 1 : 0}'
      });
    const role = block(monitoring, 'resource', 'aws_iam_role', 'fraud_scan_upload').body;
    // var.name is "<project>-monitoring" from the root: inside the deploy role's <project>-* roles.
    expect(role.name).toBe('${var.name}-fraud-scan');
    expect(role.max_session_duration).toBe(3600);
    expect(role.assume_role_policy).toBe(
      '${data.aws_iam_policy_document.fraud_scan_trust[0].json}'
    );
  });

  it('refuses a repository or branch with a wildcard', async () => {
    const monitoring = await loadModule('modules/monitoring');
    const repository = validationRegex(
      block(monitoring, 'variable', '', 'fraud_scan_github_repository').body
    );
    expect(repository.test('my-org/ecommerce_docker_deployment')).toBe(true);
    for (const bad of ['*', 'my-org/*', '*/*', 'my-org/repo/extra', 'my-org'])
      expect([bad, repository.test(bad)]).toEqual([bad, false]);
    expect(block(monitoring, 'variable', '', 'fraud_scan_github_repository').body.default).toBe('');
    const branch = validationRegex(
      block(monitoring, 'variable', '', 'fraud_scan_github_branch').body
    );
    expect(branch.test('main')).toBe(true);
    for (const bad of ['*', 'release/*', 'ma?n'])
      expect([bad, branch.test(bad)]).toEqual([bad, false]);
  });

  it("lets the monitoring server's instance role read the key, and nothing in that role write it", async () => {
    const monitoring = await loadModule('modules/monitoring');
    const policy = statements(block(monitoring, 'data', 'aws_iam_policy_document', 'this').body);
    const read = policy.find((s) => s.sid === 'ReadConfigObjects');
    expect(read).toMatchObject({
      actions: ['s3:GetObject'],
      resources: ['${aws_s3_bucket.config.arn}/*']
    });
    for (const statement of policy)
      expect({
        sid: statement.sid,
        writes: JSON.stringify(statement.actions).match(/s3:Put|s3:Delete|s3:\*/g)
      }).toEqual({
        sid: statement.sid,
        writes: null
      });
  });

  it('outputs the role ARN and the bucket the workflow needs', async () => {
    const monitoring = await loadModule('modules/monitoring');
    const outputs = monitoring.blocks.filter((b) => b.kind === 'output').map((b) => b.name);
    expect(outputs).toEqual(
      expect.arrayContaining(['fraud_scan_metrics_role_arn', 'fraud_scan_metrics_object'])
    );
    const root = await loadModule('.');
    const rootOutputs = root.blocks.filter((b) => b.kind === 'output').map((b) => b.name);
    expect(rootOutputs).toEqual(
      expect.arrayContaining(['fraud_scan_metrics_role_arn', 'fraud_scan_metrics_bucket'])
    );
    const call = block(root, 'module', '', 'monitoring').body;
    expect(call).toMatchObject({
      fraud_scan_github_repository: '${var.fraud_scan_metrics_repository}',
      fraud_scan_github_branch: '${var.fraud_scan_metrics_branch}'
    });
  });
});

describe("the deploy role (bootstrap) and the fraud scan's role", () => {
  it('may read exactly GitHub’s OIDC provider, which the monitoring module looks up', async () => {
    const bootstrap = await loadModule('bootstrap');
    const apply = renderPipelinePolicies().roles.apply;
    const statementsOf = ([] as Statement[]).concat(apply.Statement);
    expect(statementsOf.find((s) => s.Sid === 'ReadGitHubOidcProvider')).toEqual({
      Sid: 'ReadGitHubOidcProvider',
      Effect: 'Allow',
      Action: 'iam:GetOpenIDConnectProvider',
      Resource: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com'
    });
    // The provider bootstrap creates is the one looked up (one per URL per account).
    expect(block(bootstrap, 'resource', 'aws_iam_openid_connect_provider', 'github').body.url).toBe(
      'https://token.actions.githubusercontent.com'
    );
  });
});
