import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../kit/action-bundle.js';
import { interpolate } from './support/run-step.js';
import { readWorkflow, terraformNames, workflowFiles } from './support/workflow-files.js';

// Every setting the pipeline needs is a repository variable: documented in docs/deploy.md, and
// passed by deploy.yml to Terraform as `-var name=value` lines — lists as JSON, which Terraform
// (the real binary) reads as HCL for a list(string) variable.

const guide = readFileSync(path.join(repoRoot, 'docs/deploy.md'), 'utf8');
const deploy = readWorkflow('deploy.yml').workflow;
const planVariables = String(
  deploy.jobs.plan?.steps?.find((s) => s.uses === './actions/terraform')?.with?.variables
);

/**
 * Each workflow that plans, and the text it hands Terraform as variables: the plan that is
 * reviewed (plan-pr.yml) and the one the drift check compares must be the one deploy.yml applies.
 */
const PLANNING: Record<string, string> = {
  'deploy.yml': planVariables,
  'plan-pr.yml': String(
    readWorkflow('plan-pr.yml').workflow.jobs.plan?.steps?.find(
      (s) => s.uses === './actions/terraform'
    )?.with?.variables
  ),
  'drift.yml': String(
    readWorkflow('drift.yml').workflow.jobs.plan?.steps?.find((s) => s.id === 'plan')?.env
      ?.VARIABLES
  )
};

/** The plan step's variables as the terraform action reads them (KEY=value lines, blanks skipped). */
function variableLines(
  vars: Record<string, string>,
  source: string = planVariables
): Record<string, string> {
  const text = interpolate(source, {
    vars,
    env: { AWS_REGION: 'eu-central-1' },
    github: { repository: 'octo/shop', event: { repository: { default_branch: 'main' } } },
    needs: { images: { outputs: { 'backend-image': 'b', 'frontend-image': 'f' } } },
    steps: { images: { outputs: { backend: 'b', frontend: 'f' } } }
  });
  return Object.fromEntries(
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])
  );
}

describe('deploy settings', () => {
  it('documents every repository variable a workflow reads in docs/deploy.md', () => {
    const used = new Set<string>();
    for (const file of workflowFiles()) {
      if (file === 'fraud-scan.yml') continue; // documented in actions/fraud-scan/README.md
      const { text } = readWorkflow(file);
      for (const [, name] of text.matchAll(/vars\.([A-Z0-9_]+)/g)) used.add(name ?? '');
    }
    const undocumented = [...used].filter((name) => !guide.includes(`\`${name}\``)).sort();
    expect(undocumented).toEqual([]);
  });

  it('passes only variables the Terraform root declares, and none that is unset', () => {
    const declared = terraformNames('terraform/variables.tf', 'variable') ?? [];
    const all = variableLines({
      ADMIN_CIDRS: '["203.0.113.7/32"]',
      ALERT_EMAILS: '["oncall@example.com"]',
      AWS_AZS: '["eu-central-1b","eu-central-1c"]',
      SINGLE_NAT_GATEWAY: 'true',
      DB_MULTI_AZ: 'false',
      SHOP_DOMAIN: 'shop.example.com',
      SHOP_CERTIFICATE_ARN: 'arn:aws:acm:eu-central-1:123456789012:certificate/abc',
      FRAUD_SCORING: 'hold',
      FRAUD_SCAN_PIN_WORKFLOW: 'true'
    });
    expect(Object.keys(all).filter((name) => !declared.includes(name))).toEqual([]);
    expect(all).toMatchObject({
      admin_cidrs: '["203.0.113.7/32"]',
      alert_emails: '["oncall@example.com"]',
      azs: '["eu-central-1b","eu-central-1c"]',
      single_nat_gateway: 'true',
      db_multi_az: 'false',
      fraud_scoring: 'hold',
      fraud_scan_pin_workflow: 'true',
      region: 'eu-central-1'
    });
    const none = variableLines({});
    expect(Object.keys(none).sort()).toEqual(
      [
        'backend_image',
        'dockerhub_username',
        'fraud_scan_metrics_branch',
        'fraud_scan_metrics_repository',
        'frontend_image',
        'region'
      ].sort()
    );
  });

  it.each(Object.keys(PLANNING))(
    '%s passes FRAUD_SCORING and FRAUD_SCAN_PIN_WORKFLOW as fraud_scoring and fraud_scan_pin_workflow, and nothing when unset',
    (file) => {
      const source = PLANNING[file] ?? '';
      expect(source).toContain('vars.FRAUD_SCORING');
      expect(
        variableLines({ FRAUD_SCORING: 'off', FRAUD_SCAN_PIN_WORKFLOW: 'true' }, source)
      ).toMatchObject({ fraud_scoring: 'off', fraud_scan_pin_workflow: 'true' });
      const unset = variableLines({}, source);
      expect(Object.keys(unset)).not.toContain('fraud_scoring');
      expect(Object.keys(unset)).not.toContain('fraud_scan_pin_workflow');
      // The same lines, in the same place, as deploy.yml: the reviewed plan is the applied one.
      const withImages = (l: string) => /^(backend|frontend)_image=/.test(l);
      const lines = (text: string) =>
        text
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l && !withImages(l));
      expect(lines(source)).toEqual(lines(planVariables));
    }
  );

  it('documents both settings with the Terraform variable each sets', () => {
    expect(guide).toContain('| `FRAUD_SCORING` | `fraud_scoring` |');
    expect(guide).toContain('| `FRAUD_SCAN_PIN_WORKFLOW` | `fraud_scan_pin_workflow` |');
    expect(guide).toContain('#### Pinning the workflows');
  });

  it("Terraform reads a JSON list given as -var name=value as the variable's list", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tf-var-'));
    writeFileSync(
      path.join(dir, 'main.tf'),
      'variable "admin_cidrs" {\n  type = list(string)\n}\nvariable "single_nat_gateway" {\n  type = bool\n}\n'
    );
    const lines = variableLines({
      ADMIN_CIDRS: '["203.0.113.7/32", "198.51.100.0/24"]',
      SINGLE_NAT_GATEWAY: 'true'
    });
    const console = spawnSync(
      'terraform',
      [
        'console',
        '-var',
        `admin_cidrs=${lines.admin_cidrs}`,
        '-var',
        `single_nat_gateway=${lines.single_nat_gateway}`
      ],
      {
        cwd: dir,
        input: 'jsonencode([var.admin_cidrs, var.single_nat_gateway])\n',
        encoding: 'utf8',
        env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1' }
      }
    );
    expect(console.stderr).toBe('');
    expect(JSON.parse(JSON.parse(console.stdout.trim()) as string)).toEqual([
      ['203.0.113.7/32', '198.51.100.0/24'],
      true
    ]);
  });
});
