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

function conditions(document: Body): Record<string, Body> {
  const statement = bodies(document.statement)[0] ?? {};
  return Object.fromEntries(bodies(statement.condition).map((c) => [String(c.variable), c]));
}

describe('bootstrap', () => {
  it('keeps state in a versioned, encrypted, private, TLS-only bucket', async () => {
    const bootstrap = await loadModule('bootstrap');
    const versioning = bodies(block(bootstrap, 'resource', 'aws_s3_bucket_versioning', 'state').body.versioning_configuration)[0];
    expect(versioning?.status).toBe('Enabled');
    const sse = block(bootstrap, 'resource', 'aws_s3_bucket_server_side_encryption_configuration', 'state').body;
    expect(bodies(bodies(sse.rule)[0]?.apply_server_side_encryption_by_default)[0]?.sse_algorithm).toBe('aws:kms');
    expect(block(bootstrap, 'resource', 'aws_s3_bucket_public_access_block', 'state').body).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true
    });
    const policy = block(bootstrap, 'data', 'aws_iam_policy_document', 'state_bucket').body;
    const statement = bodies(policy.statement)[0] ?? {};
    expect(statement.effect).toBe('Deny');
    expect(bodies(statement.condition)[0]).toMatchObject({ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] });
  });

  it('creates the GitHub OIDC provider for the sts.amazonaws.com audience', async () => {
    const bootstrap = await loadModule('bootstrap');
    expect(block(bootstrap, 'resource', 'aws_iam_openid_connect_provider', 'github').body).toMatchObject({
      url: 'https://token.actions.githubusercontent.com',
      client_id_list: ['sts.amazonaws.com']
    });
  });

  it('pins the deploy role to aud sts.amazonaws.com and exact main-branch / environment subjects', async () => {
    const bootstrap = await loadModule('bootstrap');
    const trust = conditions(block(bootstrap, 'data', 'aws_iam_policy_document', 'deploy_trust').body);
    expect(trust['token.actions.githubusercontent.com:aud']).toMatchObject({ test: 'StringEquals', values: ['sts.amazonaws.com'] });
    expect(trust['token.actions.githubusercontent.com:sub']).toMatchObject({
      test: 'StringEquals',
      values: '${local.deploy_subjects}'
    });
    const subjects = String(bootstrap.locals.deploy_subjects);
    expect(subjects).toContain('"repo:${var.github_repository}:ref:refs/heads/${var.deploy_branch}"');
    expect(subjects).toContain('"repo:${var.github_repository}:environment:${var.deploy_environment}"');
    expect(block(bootstrap, 'variable', '', 'deploy_branch').body.default).toBe('main');
  });

  it('pins the plan role to the same audience and the repository’s pull requests', async () => {
    const bootstrap = await loadModule('bootstrap');
    const trust = conditions(block(bootstrap, 'data', 'aws_iam_policy_document', 'plan_trust').body);
    expect(trust['token.actions.githubusercontent.com:aud']).toMatchObject({ test: 'StringEquals', values: ['sts.amazonaws.com'] });
    expect(trust['token.actions.githubusercontent.com:sub']).toMatchObject({ test: 'StringEquals', values: '${local.plan_subjects}' });
    expect(bootstrap.locals.plan_subjects).toEqual(['repo:${var.github_repository}:pull_request']);
  });

  it('never matches subjects with StringLike or a wildcard', async () => {
    const bootstrap = await loadModule('bootstrap');
    const text = JSON.stringify(bootstrap.files['bootstrap/main.tf']);
    expect(text).not.toContain('StringLike');
    expect(text).not.toMatch(/repo:[^"]*\*/);
  });

  it('refuses a repository, branch or environment with a wildcard', async () => {
    const bootstrap = await loadModule('bootstrap');
    const repository = validationRegex(block(bootstrap, 'variable', '', 'github_repository').body);
    expect(repository.test('my-org/ecommerce_docker_deployment')).toBe(true);
    for (const bad of ['*', 'my-org/*', '*/*', 'my-org/repo/extra', 'my-org']) expect([bad, repository.test(bad)]).toEqual([bad, false]);
    const branch = validationRegex(block(bootstrap, 'variable', '', 'deploy_branch').body);
    expect(branch.test('main')).toBe(true);
    expect(branch.test('*')).toBe(false);
    expect(branch.test('release/*')).toBe(false);
    const environment = validationRegex(block(bootstrap, 'variable', '', 'deploy_environment').body);
    expect(environment.test('production')).toBe(true);
    expect(environment.test('*')).toBe(false);
  });

  it('scopes the deploy policy by project names and tags, and passes roles only to EC2', async () => {
    const bootstrap = await loadModule('bootstrap');
    const statements = bodies(block(bootstrap, 'data', 'aws_iam_policy_document', 'deploy').body.statement);
    const bySid = Object.fromEntries(statements.map((s) => [String(s.sid), s]));
    const wildcard = statements.filter((s) => JSON.stringify(s.resources) === '["*"]').map((s) => s.sid);
    expect(wildcard).toEqual(['Describe']);
    expect(bodies(bySid.PassServerRolesToEc2?.condition)[0]).toMatchObject({
      variable: 'iam:PassedToService',
      values: ['ec2.amazonaws.com']
    });
    expect(bodies(bySid.Ec2ChangeTagged?.condition)[0]).toMatchObject({ variable: 'aws:ResourceTag/Project', values: ['${var.project}'] });
    expect(bodies(bySid.Ec2CreateTagged?.condition)[0]).toMatchObject({ variable: 'aws:RequestTag/Project', values: ['${var.project}'] });
    expect(bySid.ProjectRoles?.resources).toEqual([
      '${local.arn.iam}:role/${var.project}-*',
      '${local.arn.iam}:instance-profile/${var.project}-*'
    ]);
  });

  it('outputs the role ARNs and the backend settings', async () => {
    const bootstrap = await loadModule('bootstrap');
    const outputs = bootstrap.blocks.filter((b) => b.kind === 'output').map((b) => b.name);
    expect(outputs).toEqual(expect.arrayContaining(['deploy_role_arn', 'plan_role_arn', 'backend_config', 'state_bucket']));
  });
});
