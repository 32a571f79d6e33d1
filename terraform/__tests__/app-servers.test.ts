import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse as parseYaml } from 'yaml';
import { terraformAvailable } from '../../tests/kit/templatefile.js';
import { TERRAFORM_DIR, block, bodies, loadModule, str } from './support/hcl.js';
import {
  consoleValues,
  hclBlock,
  planVariables,
  providerFreeRoot
} from './support/provider-free.js';

// The app servers' Auto Scaling groups: the capacity variables' validations and the per-zone
// split, evaluated by a real terraform on provider-free copies of the project's own blocks; and
// the monitoring server's EC2 discovery, whose filters must match the tags the groups give
// their instances. Without terraform on PATH the evaluated tests are skipped, saying so.

const hasTerraform = terraformAvailable();
const withTerraform = hasTerraform ? it : it.skip;
if (!hasTerraform)
  process.stderr.write('terraform is not on PATH: skipping the capacity validation tests\n');

const REPO = path.resolve(TERRAFORM_DIR, '..');
const CAPACITY = ['app_min_size', 'app_desired_capacity', 'app_max_size'];

describe('capacity: min <= desired <= max, refused before anything changes', () => {
  // The root's variables (what an owner sets) and the module's (what the root passes on).
  const roots: Record<string, string> = {};

  beforeAll(() => {
    if (!hasTerraform) return;
    for (const file of ['variables.tf', 'modules/ec2/variables.tf']) {
      const text = readFileSync(path.join(TERRAFORM_DIR, file), 'utf8');
      roots[file] = providerFreeRoot(
        CAPACITY.map((name) => hclBlock(text, `variable "${name}"`)).join('\n\n')
      );
    }
  });
  afterAll(() => {
    for (const dir of Object.values(roots)) rmSync(dir, { recursive: true, force: true });
  });

  const capacity = (min: number, desired: number, max: number) => ({
    app_min_size: String(min),
    app_desired_capacity: String(desired),
    app_max_size: String(max)
  });

  withTerraform('defaults to 2/2/6, and takes any ordered whole numbers', () => {
    for (const dir of Object.values(roots)) {
      expect(planVariables(dir, {})).toMatchObject({ ok: true });
      expect(planVariables(dir, capacity(0, 0, 1))).toMatchObject({ ok: true });
      expect(planVariables(dir, capacity(3, 3, 3))).toMatchObject({ ok: true });
      expect(planVariables(dir, capacity(2, 4, 10))).toMatchObject({ ok: true });
    }
  });

  withTerraform.each([
    [
      capacity(3, 2, 6),
      'app_desired_capacity (2) must be a whole number no smaller than app_min_size (3)'
    ],
    [
      capacity(2, 4, 3),
      'app_max_size (3) must be a whole number, at least 1 and no smaller than app_desired_capacity (4)'
    ],
    [
      capacity(4, 4, 2),
      'app_max_size (2) must be a whole number, at least 1 and no smaller than app_desired_capacity (4)'
    ],
    [capacity(0, 0, 0), 'app_max_size (0) must be a whole number, at least 1'],
    [capacity(-1, 2, 6), 'app_min_size must be a whole number of servers, 0 or more, got -1'],
    [capacity(2, 2.5, 6), 'app_desired_capacity (2.5) must be a whole number']
  ])('the root refuses %j, saying which rule', (vars, message) => {
    const result = planVariables(roots['variables.tf'] ?? '', vars);
    expect(result.ok).toBe(false);
    expect(result.message).toContain(message);
    expect(result.message).toContain('app_min_size <= app_desired_capacity <= app_max_size');
  });

  withTerraform(
    'the module refuses the same, so a caller other than the root cannot pass them',
    () => {
      const dir = roots['modules/ec2/variables.tf'] ?? '';
      expect(planVariables(dir, capacity(3, 2, 6)).message).toContain(
        'app_desired_capacity (2) must be a whole number no smaller than app_min_size (3)'
      );
      expect(planVariables(dir, capacity(2, 4, 3)).message).toContain(
        'app_max_size (3) must be a whole number, at least 1 and no smaller than app_desired_capacity (4)'
      );
    }
  );

  it('the root passes its totals to the module unchanged', async () => {
    const call = block(await loadModule('.'), 'module', '', 'ec2').body;
    for (const name of CAPACITY) expect([name, call[name]]).toEqual([name, `\${var.${name}}`]);
  });
});

describe('the totals split over the zones’ groups', () => {
  let dir = '';
  beforeAll(() => {
    if (!hasTerraform) return;
    const variables = readFileSync(path.join(TERRAFORM_DIR, 'modules/ec2/variables.tf'), 'utf8');
    const main = readFileSync(path.join(TERRAFORM_DIR, 'modules/ec2/main.tf'), 'utf8');
    dir = providerFreeRoot(
      [
        ...CAPACITY.map((name) => hclBlock(variables, `variable "${name}"`)),
        'variable "private_subnet_ids" {\n  type = map(string)\n}',
        hclBlock(main, 'locals', 'app_capacity')
      ].join('\n\n')
    );
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const split = (zones: string[], min: number, desired: number, max: number) =>
    consoleValues(dir, ['local.app_capacity'], {
      private_subnet_ids: `{${zones.map((z) => `${z}="subnet-${z}"`).join(',')}}`,
      app_min_size: String(min),
      app_desired_capacity: String(desired),
      app_max_size: String(max)
    })[0];

  withTerraform(
    'evenly, the first zones taking the remainder; the groups add up to the totals',
    () => {
      expect(split(['az1', 'az2'], 2, 2, 6)).toEqual({
        az1: { min: 1, desired: 1, max: 3 },
        az2: { min: 1, desired: 1, max: 3 }
      });
      expect(split(['az2', 'az1'], 3, 3, 5)).toEqual({
        az1: { min: 2, desired: 2, max: 3 },
        az2: { min: 1, desired: 1, max: 2 }
      });
      const three = split(['az1', 'az2', 'az3'], 4, 5, 7) as Record<string, Record<string, number>>;
      for (const [key, total] of [
        ['min', 4],
        ['desired', 5],
        ['max', 7]
      ] as const) {
        expect(Object.values(three).reduce((sum, zone) => sum + (zone[key] ?? 0), 0)).toBe(total);
      }
      // Each zone keeps min <= desired <= max, which AWS requires of a group.
      for (const zone of Object.values(three)) {
        expect(
          (zone.min ?? 0) <= (zone.desired ?? 0) && (zone.desired ?? 0) <= (zone.max ?? 0)
        ).toBe(true);
      }
    }
  );
});

describe('the monitoring server still finds the app servers', () => {
  it('its EC2 discovery filters on exactly the tags every group puts on the instances it launches', async () => {
    const template = readFileSync(
      path.join(REPO, 'monitoring/prometheus/prometheus.ec2.yml.tftpl'),
      'utf8'
    );
    // The monitoring module renders the template with project = var.project.
    const config = parseYaml(
      template.replaceAll('${project}', 'ecommerce').replaceAll('${region}', 'us-east-1')
    ) as {
      scrape_configs: {
        job_name: string;
        ec2_sd_configs?: { filters: { name: string; values: string[] }[] }[];
      }[];
    };
    const filters = Object.fromEntries(
      config.scrape_configs
        .filter((job) => ['node', 'backend'].includes(job.job_name))
        .flatMap((job) => job.ec2_sd_configs?.[0]?.filters ?? [])
        .map((f) => [f.name, f.values])
    );
    expect(filters).toEqual({
      'tag:Project': ['ecommerce'],
      'tag:Role': ['app'],
      'instance-state-name': ['running']
    });

    // What the groups propagate: the role tags (var.tags + Role = app) and a Name per zone;
    // var.tags is the root's local.tags, which carries Project = var.project.
    const ec2 = await loadModule('modules/ec2');
    const root = await loadModule('.');
    const tag = bodies(
      bodies(block(ec2, 'resource', 'aws_autoscaling_group', 'app').body.dynamic)[0]?.tag
    )[0];
    expect(tag?.for_each).toBe(
      '${merge(local.role_tags.app, { Name = "${var.name_prefix}_app_${each.key}" })}'
    );
    expect(bodies(tag?.content)[0]).toEqual({
      key: '${tag.key}',
      value: '${tag.value}',
      propagate_at_launch: true
    });
    expect(ec2.locals.role_tags).toMatchObject({ app: '${merge(var.tags, { Role = "app" })}' });
    expect(str(block(root, 'module', '', 'ec2').body, 'tags')).toBe('${local.tags}');
    expect(root.locals.tags).toBe('${merge(var.tags, { Project = var.project })}');
    expect(block(root, 'variable', '', 'project').body.default).toBe('ecommerce');
    const monitoring = block(root, 'module', '', 'monitoring').body;
    expect(monitoring.project).toBe('${var.project}');
  });
});
