/**
 * What the tests of the fraud scan's GitHub OIDC roles share (fraud-model, fraud-training): the
 * modules they read with the roles' trust as IAM JSON, a policy document's HCL statements as IAM
 * JSON, the app role's and the monitoring role's statements, and the OIDC subject the roles'
 * trust names, computed by terraform from the monitoring module's own locals.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TERRAFORM_DIR, block, bodies, loadModule, type Body, type ModuleConfig } from './hcl.js';
import type { PolicyDocument, Statement } from './iam-evaluator.js';
import { consoleValues, hclBlock, providerFreeRoot } from './provider-free.js';

export const REPO = 'my-org/ecommerce_docker_deployment';
export const BUCKET_ARN = 'arn:aws:s3:::ecommerce-monitoring-config-20260101';
export const PROVIDER =
  'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';

/** The modules the roles live in, and their trust as IAM JSON, without and with the pin. */
export interface FraudRoles {
  monitoring: ModuleConfig;
  ec2: ModuleConfig;
  root: ModuleConfig;
  trust: Record<'default' | 'pinned', PolicyDocument>;
}

/** Loads modules/monitoring, modules/ec2 and the root; renders fraud_scan_trust for both pins. */
export async function loadFraudRoles(): Promise<FraudRoles> {
  const monitoring = await loadModule('modules/monitoring');
  const ec2 = await loadModule('modules/ec2');
  const root = await loadModule('.');
  const trustStatements = bodies(
    block(monitoring, 'data', 'aws_iam_policy_document', 'fraud_scan_trust').body.statement
  );
  const trustFor = (pin: boolean): PolicyDocument =>
    iamDocument(trustStatements, {
      '${data.aws_iam_openid_connect_provider.github[0].arn}': PROVIDER,
      '${local.fraud_scan_subject}': renderedSubject(pin)
    });
  return { monitoring, ec2, root, trust: { default: trustFor(false), pinned: trustFor(true) } };
}

/** The app role's dynamic statements whose for_each reads the variable, their HCL. */
export function appDynamicStatements(ec2: ModuleConfig, variable: string): Body[] {
  const document = block(ec2, 'data', 'aws_iam_policy_document', 'app_secrets').body;
  return bodies(document.dynamic)
    .flatMap((d) => bodies(d.statement))
    .filter((d) => String(d.for_each).includes(variable));
}

/** The monitoring server's role: its statements whose sid contains one of the words, HCL. */
export function monitoringStatements(monitoring: ModuleConfig, words: string[]): Body[] {
  return bodies(block(monitoring, 'data', 'aws_iam_policy_document', 'this').body.statement).filter(
    (s) => words.some((word) => String(s.sid).includes(word))
  );
}

/** A policy document's HCL statements as IAM JSON, with the given references filled in. */
export function iamDocument(statements: Body[], fill: Record<string, string>): PolicyDocument {
  const fillIn = (value: string): string =>
    Object.entries(fill).reduce((text, [from, to]) => text.split(from).join(to), value);
  const strings = (value: unknown): string[] => (value as string[]).map(fillIn);
  return {
    Version: '2012-10-17',
    Statement: statements.map((s): Statement => {
      const statement: Statement = {
        Effect: (s.effect as 'Allow' | 'Deny' | undefined) ?? 'Allow',
        Action: strings(s.actions)
      };
      if (s.resources) statement.Resource = strings(s.resources);
      const principals = bodies(s.principals);
      if (principals.length)
        statement.Principal = Object.fromEntries(
          principals.map((p) => [String(p.type), strings(p.identifiers)])
        );
      const conditions = bodies(s.condition);
      if (conditions.length) {
        statement.Condition = {};
        for (const c of conditions) {
          const test = String(c.test);
          statement.Condition[test] = {
            ...(statement.Condition[test] ?? {}),
            [String(c.variable)]: strings(c.values)
          };
        }
      }
      return statement;
    })
  };
}

/** The OIDC subject the trust names, computed by terraform from the module's own locals. */
export function renderedSubject(pin: boolean): string {
  const main = readFileSync(path.join(TERRAFORM_DIR, 'modules/monitoring/main.tf'), 'utf8');
  const variables = readFileSync(
    path.join(TERRAFORM_DIR, 'modules/monitoring/variables.tf'),
    'utf8'
  );
  const line = (name: string): string => {
    const found = new RegExp(`^\\s*${name}\\s*=.*$`, 'm').exec(main)?.[0];
    if (!found) throw new Error(`no local ${name} in modules/monitoring/main.tf`);
    return found;
  };
  const root = providerFreeRoot(
    [
      hclBlock(variables, 'variable "fraud_scan_github_repository"'),
      hclBlock(variables, 'variable "fraud_scan_github_branch"'),
      hclBlock(variables, 'variable "fraud_scan_pin_workflow"'),
      `locals {\n${line('fraud_scan_branch_sub')}\n${line('fraud_scan_subject')}\n}\n`
    ].join('\n')
  );
  const [subject] = consoleValues(root, ['local.fraud_scan_subject'], {
    fraud_scan_github_repository: REPO,
    fraud_scan_github_branch: 'main',
    fraud_scan_pin_workflow: String(pin)
  });
  return String(subject);
}
