import { describe, expect, it } from '@jest/globals';
import { block, bodies, loadModule, str, type Body } from './support/hcl.js';

// The bootstrap root: the state bucket, GitHub's OIDC provider, and roles whose trust
// policies admit exactly one repository's main branch (or named environment) and its pull
// requests — never a wildcard subject.

/** The regex of a variable's validation, as JavaScript would run it. */
function validationRegex(variable: Body): RegExp {
  const condition = str(bodies(variable.validation)[0] ?? {}, 'condition') ?? '';
  const pattern = /regex\("((?:[^"\\]|\\.)+)"/.exec(condition)?.[1];
  if (!pattern) throw new Error(`no regex in ${condition}`);
  return new RegExp(pattern.replace(/\\\\/g, '\\'));
}

describe('bootstrap', () => {
  it('keeps state in a versioned, encrypted, private, TLS-only bucket', async () => {
    const bootstrap = await loadModule('bootstrap');
    const versioning = bodies(
      block(bootstrap, 'resource', 'aws_s3_bucket_versioning', 'state').body
        .versioning_configuration
    )[0];
    expect(versioning?.status).toBe('Enabled');
    const sse = block(
      bootstrap,
      'resource',
      'aws_s3_bucket_server_side_encryption_configuration',
      'state'
    ).body;
    expect(
      bodies(bodies(sse.rule)[0]?.apply_server_side_encryption_by_default)[0]?.sse_algorithm
    ).toBe('aws:kms');
    expect(
      block(bootstrap, 'resource', 'aws_s3_bucket_public_access_block', 'state').body
    ).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true
    });
    const policy = block(bootstrap, 'data', 'aws_iam_policy_document', 'state_bucket').body;
    const statement = bodies(policy.statement)[0] ?? {};
    expect(statement.effect).toBe('Deny');
    expect(bodies(statement.condition)[0]).toMatchObject({
      test: 'Bool',
      variable: 'aws:SecureTransport',
      values: ['false']
    });
  });

  it('creates the GitHub OIDC provider for the sts.amazonaws.com audience', async () => {
    const bootstrap = await loadModule('bootstrap');
    expect(
      block(bootstrap, 'resource', 'aws_iam_openid_connect_provider', 'github').body
    ).toMatchObject({
      url: 'https://token.actions.githubusercontent.com',
      client_id_list: ['sts.amazonaws.com']
    });
  });

  it('makes one role per pipeline job from the rendered documents in bootstrap/policies, ReadOnlyAccess only for plan', async () => {
    const bootstrap = await loadModule('bootstrap');
    const roles = block(bootstrap, 'resource', 'aws_iam_role', 'pipeline').body;
    expect(roles.for_each).toBe('${module.policies.role_names}');
    expect(roles.assume_role_policy).toBe('${module.policies.trust_policies[each.key]}');
    expect(block(bootstrap, 'resource', 'aws_iam_role_policy', 'pipeline').body.policy).toBe(
      '${each.value}'
    );
    expect(
      block(bootstrap, 'resource', 'aws_iam_role_policy_attachment', 'plan_read_only').body
    ).toMatchObject({
      role: '${aws_iam_role.pipeline["plan"].name}',
      policy_arn: 'arn:${local.partition}:iam::aws:policy/ReadOnlyAccess'
    });
    const attachments = bootstrap.blocks.filter((b) => b.type === 'aws_iam_role_policy_attachment');
    expect(attachments.map((b) => b.name)).toEqual(['plan_read_only']);
  });

  it('creates the workload boundary and the parameters key (rotated, its policy from bootstrap/policies)', async () => {
    const bootstrap = await loadModule('bootstrap');
    expect(block(bootstrap, 'resource', 'aws_iam_policy', 'workload_boundary').body.policy).toBe(
      '${module.policies.boundary_policy}'
    );
    expect(block(bootstrap, 'resource', 'aws_kms_key', 'parameters').body).toMatchObject({
      enable_key_rotation: true,
      policy: '${module.policies.parameters_key_policy}'
    });
  });

  it('matches subjects with StringLike and a wildcard only for a pull request’s number', async () => {
    const policies = await loadModule('bootstrap/policies');
    const text = JSON.stringify(policies.files);
    expect(text.match(/StringLike\s*=/g)).toHaveLength(1);
    expect(text.match(/repo:[^"\\]*\*[^"\\]*/g)).toEqual([
      'repo:${var.github_repository}:pull_request:job_workflow_ref:${var.github_repository}/${local.workflows}/plan-pr.yml@refs/pull/*/merge'
    ]);
  });

  it('refuses a repository, branch or environment with a wildcard', async () => {
    const bootstrap = await loadModule('bootstrap');
    const repository = validationRegex(block(bootstrap, 'variable', '', 'github_repository').body);
    expect(repository.test('my-org/ecommerce_docker_deployment')).toBe(true);
    for (const bad of ['*', 'my-org/*', '*/*', 'my-org/repo/extra', 'my-org'])
      expect([bad, repository.test(bad)]).toEqual([bad, false]);
    const branch = validationRegex(block(bootstrap, 'variable', '', 'deploy_branch').body);
    expect(branch.test('main')).toBe(true);
    expect(branch.test('*')).toBe(false);
    expect(branch.test('release/*')).toBe(false);
    const environment = validationRegex(
      block(bootstrap, 'variable', '', 'deploy_environment').body
    );
    expect(environment.test('production')).toBe(true);
    expect(environment.test('*')).toBe(false);
    const workflow = validationRegex(block(bootstrap, 'variable', '', 'deploy_workflow').body);
    expect(workflow.test('.github/workflows/deploy.yml')).toBe(true);
    for (const bad of [
      'deploy.yml',
      '.github/workflows/*',
      '../x.yml',
      '.github/workflows/a/b.yml'
    ])
      expect([bad, workflow.test(bad)]).toEqual([bad, false]);
  });

  it('outputs the role ARNs and the backend settings', async () => {
    const bootstrap = await loadModule('bootstrap');
    const outputs = bootstrap.blocks.filter((b) => b.kind === 'output').map((b) => b.name);
    expect(outputs).toEqual(
      expect.arrayContaining([
        'deploy_role_arn',
        'plan_role_arn',
        'rollout_role_arn',
        'workload_boundary_arn',
        'backend_config',
        'state_bucket'
      ])
    );
  });
});
