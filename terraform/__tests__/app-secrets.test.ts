import { describe, expect, it } from '@jest/globals';
import { bodies, block, loadModule, str, terraformDirs, type Body } from './support/hcl.js';

// No secret in state or plan: Terraform manages no SecureString and generates no secret. The
// AWS provider reads a managed SecureString with decryption on every plan, which the read-only
// plan role may not do, and the state would hold what it read. The app's keys and Grafana's
// password are created by the deploy workflow's actions/app-secrets step; Terraform names them,
// and lets the server roles decrypt them through SSM only.

/** The three parameters Terraform once managed: forgotten (removed, destroy = false), never destroyed. */
const FORGOTTEN = [
  ['.', 'aws_ssm_parameter.django_secret_key'],
  ['.', 'aws_ssm_parameter.card_fingerprint_key'],
  ['modules/monitoring', 'aws_ssm_parameter.grafana_admin_password']
] as const;

function statements(policy: Body): Body[] {
  return bodies(policy.statement);
}

describe('no secret in state or plan', () => {
  it('no configuration manages a SecureString, a write-only value or a generated password', async () => {
    const problems: string[] = [];
    for (const dir of terraformDirs()) {
      const config = await loadModule(dir);
      for (const b of config.blocks) {
        if (b.kind === 'resource' && b.type === 'aws_ssm_parameter') {
          if (str(b.body, 'type') !== 'String')
            problems.push(`${b.file}: ${b.name} is a ${str(b.body, 'type')}`);
          if ('value_wo' in b.body || 'insecure_value' in b.body)
            problems.push(`${b.file}: ${b.name} writes a value`);
        }
        if (b.kind === 'ephemeral' || b.type.startsWith('random_'))
          problems.push(`${b.file}: ${b.kind} ${b.type}.${b.name}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it.each(FORGOTTEN)('%s: %s is forgotten, not destroyed', async (dir, address) => {
    const config = await loadModule(dir);
    const removed = Object.values(config.files).flatMap((file) => bodies(file.removed));
    const match = removed.find((r) => r.from === `\${${address}}`);
    expect(match).toBeDefined();
    expect(bodies(match?.lifecycle)).toEqual([{ destroy: false }]);
  });

  it('the parameter names the servers read are unchanged', async () => {
    const root = await loadModule('.');
    expect(root.locals.django_secret_key_parameter).toBe('/${var.project}/app/django_secret_key');
    expect(root.locals.card_fingerprint_key_parameter).toBe(
      '/${var.project}/app/card_fingerprint_key'
    );
    const monitoring = await loadModule('modules/monitoring');
    expect(monitoring.locals.grafana_admin_password_parameter).toBe(
      '${var.parameter_prefix}/monitoring/grafana_admin_password'
    );
  });
});

describe('the server roles decrypt the SecureStrings through SSM only', () => {
  it.each([
    ['modules/ec2', 'app_secrets', 'ssm.${data.aws_region.current.region}.amazonaws.com'],
    ['modules/monitoring', 'this', 'ssm.${var.region}.amazonaws.com']
  ])('%s: kms:Decrypt on the project key only, with kms:ViaService', async (dir, name, service) => {
    const config = await loadModule(dir);
    const decrypt = statements(block(config, 'data', 'aws_iam_policy_document', name).body).filter(
      (s) => JSON.stringify(s.actions).includes('kms:')
    );
    expect(decrypt).toHaveLength(1);
    expect(decrypt[0]?.actions).toEqual(['kms:Decrypt']);
    expect(decrypt[0]?.resources).toEqual(['${var.parameters_kms_key_arn}']);
    expect(bodies(decrypt[0]?.condition)).toEqual([
      { test: 'StringEquals', variable: 'kms:ViaService', values: [service] }
    ]);
  });

  it('the root passes both modules the key its alias points to', async () => {
    const root = await loadModule('.');
    expect(str(block(root, 'data', 'aws_kms_alias', 'parameters').body, 'name')).toBe(
      'alias/${var.project}-parameters'
    );
    for (const name of ['ec2', 'monitoring']) {
      expect(str(block(root, 'module', '', name).body, 'parameters_kms_key_arn')).toBe(
        '${data.aws_kms_alias.parameters.target_key_arn}'
      );
    }
  });
  it("the app servers read only named parameters: the optional ones by their own prefix, never the app's whole path", async () => {
    const root = await loadModule('.');
    const arns = block(root, 'module', '', 'ec2').body.app_parameter_arns as string[];
    const wildcards = arns.filter((arn) => arn.includes('*'));
    expect(wildcards).toEqual([
      '${local.parameter_arn_prefix}/${var.project}/app/stripe_*',
      '${local.parameter_arn_prefix}/${var.project}/app/fraud_retrain_github_*'
    ]);
  });
});
