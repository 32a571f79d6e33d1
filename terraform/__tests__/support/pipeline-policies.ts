import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PolicyDocument } from './iam-evaluator.js';

export const policiesModule = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../bootstrap/policies'
);

export interface PolicyInputs {
  project: string;
  partition: string;
  account_id: string;
  region: string;
  state_bucket: string;
  state_key: string;
  github_repository: string;
  oidc_provider_arn: string;
  deploy_branch: string;
  deploy_environment: string;
  deploy_workflow: string;
  pin_deploy_workflow: boolean;
  default_vpc_arn: string;
}

export const defaultInputs: PolicyInputs = {
  project: 'ecommerce',
  partition: 'aws',
  account_id: '123456789012',
  region: 'us-east-1',
  state_bucket: 'ecommerce-tfstate-123456789012',
  state_key: 'ecommerce/terraform.tfstate',
  github_repository: 'octo-org/shop',
  oidc_provider_arn: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
  deploy_branch: 'main',
  deploy_environment: 'production',
  deploy_workflow: '.github/workflows/deploy.yml',
  pin_deploy_workflow: false,
  default_vpc_arn: 'arn:aws:ec2:us-east-1:123456789012:vpc/vpc-0default'
};

export type Job = 'plan' | 'apply' | 'rollout';

export interface RenderedPolicies {
  trust: Record<Job, PolicyDocument>;
  roles: Record<Job, PolicyDocument>;
  roleArns: Record<Job, string>;
  subjects: Record<Job, string[]>;
  /** Subjects matched with StringLike (a pinned pull request's merge ref). */
  subjectPatterns: Record<Job, string[]>;
  boundary: PolicyDocument;
  boundaryArn: string;
  serverRoleArns: string[];
  keyPolicy: PolicyDocument;
  /** The documents exactly as Terraform rendered them (JSON text), by a file-friendly name. */
  raw: Record<string, string>;
}

/**
 * Every pipeline IAM document, rendered by a real `terraform apply` of terraform/bootstrap/policies
 * (a module without providers, so it applies offline in a throw-away root).
 */
export function renderPipelinePolicies(inputs: Partial<PolicyInputs> = {}): RenderedPolicies {
  const values = { ...defaultInputs, ...inputs };
  const dir = mkdtempSync(path.join(tmpdir(), 'pipeline-policies-'));
  try {
    const args = Object.entries(values)
      .map(([name, value]) => `  ${name} = ${JSON.stringify(value)}`)
      .join('\n');
    writeFileSync(
      path.join(dir, 'main.tf'),
      `module "policies" {\n  source = ${JSON.stringify(policiesModule)}\n${args}\n}\n\noutput "all" {\n  value = module.policies\n}\n`
    );
    const env = {
      ...process.env,
      TF_IN_AUTOMATION: '1',
      TF_CLI_CONFIG_FILE: '/dev/null',
      CHECKPOINT_DISABLE: '1'
    };
    const run = (...command: string[]) =>
      execFileSync('terraform', command, {
        cwd: dir,
        env,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe']
      });
    run('init', '-input=false', '-no-color', '-backend=false');
    run('apply', '-auto-approve', '-input=false', '-no-color', '-lock=false');
    const all = JSON.parse(run('output', '-json', 'all')) as {
      trust_policies: Record<Job, string>;
      role_policies: Record<Job, string>;
      role_arns: Record<Job, string>;
      subjects: Record<Job, string[]>;
      subject_patterns: Record<Job, string[]>;
      boundary_policy: string;
      boundary_arn: string;
      server_role_arns: string[];
      parameters_key_policy: string;
    };
    const parse = (record: Record<Job, string>) =>
      Object.fromEntries(
        Object.entries(record).map(([job, json]) => [job, JSON.parse(json) as PolicyDocument])
      ) as Record<Job, PolicyDocument>;
    return {
      trust: parse(all.trust_policies),
      roles: parse(all.role_policies),
      roleArns: all.role_arns,
      subjects: all.subjects,
      subjectPatterns: all.subject_patterns,
      boundary: JSON.parse(all.boundary_policy) as PolicyDocument,
      boundaryArn: all.boundary_arn,
      serverRoleArns: all.server_role_arns,
      keyPolicy: JSON.parse(all.parameters_key_policy) as PolicyDocument,
      raw: {
        ...Object.fromEntries(
          Object.entries(all.role_policies).map(([job, json]) => [`${job}-role`, json])
        ),
        ...Object.fromEntries(
          Object.entries(all.trust_policies).map(([job, json]) => [`${job}-trust`, json])
        ),
        boundary: all.boundary_policy,
        'parameters-key': all.parameters_key_policy
      }
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
