import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { terraformAvailable } from '../../tests/kit/templatefile.js';
import { TERRAFORM_DIR, block, loadModule, str } from './support/hcl.js';
import {
  consoleValues,
  hclBlock,
  planVariables,
  providerFreeRoot
} from './support/provider-free.js';

// The settings the pipeline passes for the fraud scoring: fraud_scoring (what a flagged charge
// does: the backend's FRAUD_SCORING, carried by the backend_settings parameter into each
// server's backend.env) and fraud_scan_pin_workflow (the fraud scan's upload roles). The
// variables' own blocks, and the parameter's value, evaluated by a real terraform on a
// provider-free root. Without terraform on PATH the evaluated tests are skipped, saying so.
// What the servers do with the parameter: templates.test.ts (the renderer against moto).

const hasTerraform = terraformAvailable();
const withTerraform = hasTerraform ? it : it.skip;
if (!hasTerraform)
  process.stderr.write('terraform is not on PATH: skipping the fraud_scoring tests\n');

const variables = readFileSync(path.join(TERRAFORM_DIR, 'variables.tf'), 'utf8');
const main = readFileSync(path.join(TERRAFORM_DIR, 'main.tf'), 'utf8');

/** The backend_settings parameter's value expression, as main.tf writes it. */
function settingsExpression(): string {
  const resource = hclBlock(main, 'resource "aws_ssm_parameter" "backend_settings"');
  const start = resource.indexOf('jsonencode({');
  const end = resource.indexOf('})', start);
  if (start < 0 || end < 0) throw new Error('backend_settings has no jsonencode({ ... }) value');
  return resource.slice(start, end + 2);
}

describe('fraud_scoring and fraud_scan_pin_workflow: refused at plan time when wrong', () => {
  let dir = '';
  beforeAll(() => {
    if (!hasTerraform) return;
    dir = providerFreeRoot(
      [
        hclBlock(variables, 'variable "fraud_scoring"'),
        hclBlock(variables, 'variable "fraud_scan_pin_workflow"'),
        hclBlock(variables, 'variable "region"'),
        hclBlock(variables, 'variable "certificate_arn"'),
        hclBlock(variables, 'variable "domain_name"'),
        `locals {\n  backend_settings = ${settingsExpression()}\n}`
      ].join('\n\n')
    );
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  withTerraform('defaults to flag and takes flag, hold and off', () => {
    expect(planVariables(dir, {})).toMatchObject({ ok: true });
    for (const mode of ['flag', 'hold', 'off'])
      expect([mode, planVariables(dir, { fraud_scoring: mode }).ok]).toEqual([mode, true]);
  });

  withTerraform.each(['block', 'Hold', '', 'flag ', 'true'])(
    'refuses fraud_scoring=%j, naming the variable, the value and the repository variable',
    (value) => {
      const result = planVariables(dir, { fraud_scoring: value });
      expect(result.ok).toBe(false);
      expect(result.message).toContain(`fraud_scoring must be flag, hold or off, got "${value}"`);
      expect(result.message).toContain('the repository variable FRAUD_SCORING');
    }
  );

  withTerraform('refuses a fraud_scan_pin_workflow that is not a boolean, naming it', () => {
    expect(planVariables(dir, { fraud_scan_pin_workflow: 'true' })).toMatchObject({ ok: true });
    expect(planVariables(dir, { fraud_scan_pin_workflow: 'false' })).toMatchObject({ ok: true });
    const result = planVariables(dir, { fraud_scan_pin_workflow: 'yes' });
    expect(result.ok).toBe(false);
    expect(result.message).toContain('fraud_scan_pin_workflow');
    expect(result.message).toContain('a bool is required');
  });

  withTerraform("the backend settings parameter carries the setting as the backend's name", () => {
    const settings = (vars: Record<string, string>) =>
      JSON.parse(String(consoleValues(dir, ['local.backend_settings'], vars)[0])) as Record<
        string,
        string
      >;
    expect(settings({})).toEqual({
      DJANGO_HTTPS: 'false',
      DJANGO_CSRF_TRUSTED_ORIGINS: '',
      FRAUD_SCORING: 'flag'
    });
    expect(settings({ fraud_scoring: 'hold' }).FRAUD_SCORING).toBe('hold');
    expect(settings({ fraud_scoring: 'off' }).FRAUD_SCORING).toBe('off');
  });
});

describe('the root wiring', () => {
  it('the parameter the servers read takes FRAUD_SCORING from var.fraud_scoring', async () => {
    const root = await loadModule('.');
    const value = str(
      block(root, 'resource', 'aws_ssm_parameter', 'backend_settings').body,
      'value'
    );
    expect(value).toContain('FRAUD_SCORING');
    expect(value).toContain('var.fraud_scoring');
    const variable = block(root, 'variable', '', 'fraud_scoring').body;
    expect(variable.default).toBe('flag');
    expect(String(variable.description)).toContain('FRAUD_SCORING');
  });

  it("deploy.sh takes FRAUD_SCORING from the parameter, only the backend's three values", () => {
    const deploy = readFileSync(path.join(TERRAFORM_DIR, 'deploy.sh'), 'utf8');
    expect(deploy).toContain('"FRAUD_SCORING": re.compile(r"^(flag|hold|off)$"),');
  });
});
