import { beforeAll, describe, expect, it } from '@jest/globals';
import { MODULES, loadModule, modulesNotLoaded } from './support/hcl.js';
import { describeRule, securityRules, type Rule } from './support/security-graph.js';

// The security-group graph agreed with the images and monitoring engineers: exactly these
// paths, each rule described, nothing from 0.0.0.0/0 but the load balancer's listener ports.
let rules: Rule[] = [];

beforeAll(async () => {
  rules = await securityRules(MODULES);
});

const EXPECTED_INGRESS = [
  'alb 80 from internet',
  'alb 443 from internet',
  'app 3000 from sg:alb',
  'app 8000 from sg:monitoring',
  'app 9100 from sg:monitoring',
  'app 22 from sg:bastion',
  'bastion 22 from var:admin_ssh_cidrs',
  'rds 5432 from sg:app',
  'monitoring 9090 from var:admin_cidrs',
  'monitoring 3000 from var:admin_cidrs'
];

const EXPECTED_EGRESS = [
  'alb 3000 to sg:app',
  'app 443 to internet',
  'app 80 to internet',
  'app 5432 to sg:rds',
  'bastion 22 to sg:app',
  'bastion 443 to internet',
  'monitoring 9100 to var:vpc_cidr',
  'monitoring 8000 to var:vpc_cidr',
  'monitoring 443 to internet',
  'monitoring 80 to internet'
];

describe('security groups', () => {
  it('admit exactly the agreed sources on the agreed ports', () => {
    const ingress = rules.filter((r) => r.direction === 'ingress').map(describeRule);
    expect(ingress.sort()).toEqual([...EXPECTED_INGRESS].sort());
  });

  it('let out exactly the agreed traffic', () => {
    const egress = rules.filter((r) => r.direction === 'egress').map(describeRule);
    expect(egress.sort()).toEqual([...EXPECTED_EGRESS].sort());
  });

  it('open nothing to the internet but the load balancer listener ports', () => {
    const open = rules
      .filter((r) => r.direction === 'ingress' && r.peer === 'internet')
      .map(describeRule);
    expect(open.sort()).toEqual(['alb 443 from internet', 'alb 80 from internet']);
  });

  it('describe every rule', () => {
    const undescribed = rules
      .filter((r) => !r.description || r.description.length < 10)
      .map((r) => r.where);
    expect(undescribed).toEqual([]);
  });

  it('are written as separate rule resources, never inline or as aws_security_group_rule', async () => {
    const offenders: string[] = [];
    for (const dir of ['.', ...MODULES]) {
      for (const b of (await loadModule(dir)).blocks) {
        if (b.type === 'aws_security_group_rule') offenders.push(`${b.file}: ${b.type}.${b.name}`);
        if (b.type === 'aws_security_group' && ('ingress' in b.body || 'egress' in b.body)) {
          offenders.push(`${b.file}: inline rules in ${b.type}.${b.name}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('open 443 only when a certificate is given', async () => {
    const load = await loadModule('modules/load');
    const https = load.blocks.find(
      (b) => b.type === 'aws_vpc_security_group_ingress_rule' && b.name === 'https'
    );
    expect(https?.body.count).toBe('${local.https ? 1 : 0}');
    expect(load.locals.https).toBe('${var.certificate_arn != null}');
  });

  it('refuse 0.0.0.0/0 for the admin CIDR variables, whose defaults open nothing', async () => {
    const root = await loadModule('.');
    for (const name of ['admin_ssh_cidrs', 'admin_cidrs']) {
      const variable = root.blocks.find((b) => b.kind === 'variable' && b.name === name);
      expect(variable?.body.default).toEqual([]);
    }
    const ec2 = await loadModule('modules/ec2');
    const monitoring = await loadModule('modules/monitoring');
    for (const [config, name] of [
      [ec2, 'admin_ssh_cidrs'],
      [monitoring, 'admin_cidrs']
    ] as const) {
      const variable = config.blocks.find((b) => b.kind === 'variable' && b.name === name);
      expect(JSON.stringify(variable?.body.validation)).toContain('!= \\"0.0.0.0/0\\"');
    }
  });
});

// Last, after every check above: each folder of terraform/modules/ went through them.
it('checked every module folder under terraform/modules/', () => {
  expect(modulesNotLoaded()).toEqual([]);
});
