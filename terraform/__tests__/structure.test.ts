import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import {
  MODULES,
  TERRAFORM_DIR,
  block,
  bodies,
  loadModule,
  str,
  terraformDirs,
  modulesNotLoaded
} from './support/hcl.js';
import { loadSchemas } from './support/provider-schema.js';
import { schemaKey } from './support/schema-check.js';

// The original project's infrastructure (its step 5 and diagram), its names and order, and the
// conventions every module follows.

describe('the root module', () => {
  it('calls vpc, then rds and load beside each other, then ec2 (whose groups register in the target group)', async () => {
    const root = await loadModule('.');
    const source = (name: string): string | undefined =>
      str(block(root, 'module', '', name).body, 'source');
    expect(source('vpc')).toBe('./modules/vpc');
    expect(source('rds')).toBe('./modules/rds');
    expect(source('ec2')).toBe('./modules/ec2');
    expect(source('load')).toBe('./modules/load');
    expect(source('monitoring')).toBe('./modules/monitoring');
    expect(block(root, 'module', '', 'vpc').body.depends_on).toBeUndefined();
    expect(block(root, 'module', '', 'rds').body.depends_on).toEqual(['${module.vpc}']);
    expect(block(root, 'module', '', 'load').body.depends_on).toEqual(['${module.vpc}']);
    expect(block(root, 'module', '', 'ec2').body.depends_on).toEqual([
      '${module.rds}',
      '${module.load}'
    ]);
    expect(str(block(root, 'module', '', 'ec2').body, 'target_group_arn')).toBe(
      '${module.load.target_group_arn}'
    );
  });

  it('names every module block in snake_case, with a moved block from each old name', async () => {
    const root = await loadModule('.');
    const modules = root.blocks.filter((b) => b.kind === 'module').map((b) => b.name);
    expect(modules.filter((name) => !/^[a-z][a-z0-9_]*$/.test(name))).toEqual([]);
    const moved = Object.values(root.files)
      .flatMap((file) => bodies(file.moved))
      .map((b) => [String(b.from), String(b.to)]);
    expect(moved).toEqual(
      expect.arrayContaining([
        ['${module.VPC}', '${module.vpc}'],
        ['${module.RDS}', '${module.rds}'],
        ['${module.EC2}', '${module.ec2}'],
        ['${module.Load}', '${module.load}']
      ])
    );
    // Every reference uses the new names; only the moved blocks name the old ones.
    const references = JSON.stringify(
      Object.values(root.files).map((file) => ({ ...file, moved: undefined }))
    );
    expect(references.match(/module\.(VPC|RDS|EC2|Load)\b/g)).toBeNull();
  });

  it("renders deploy.sh with the compose template inside, as the original project's user_data does", async () => {
    const root = await loadModule('.');
    const userData = str(block(root, 'module', '', 'ec2').body, 'app_user_data') ?? '';
    expect(userData).toMatch(/^\$\{templatefile\("\$\{path\.module\}\/deploy\.sh", \{/);
    for (const name of ['rds_endpoint', 'dockerhub_username', 'docker_compose']) {
      expect(userData).toMatch(new RegExp(`\\n\\s*${name}\\s+=`));
    }
    expect(userData).toContain('templatefile(local.compose_file, {');
    expect(root.locals.compose_file).toBe('${path.module}/../compose/compose.yml');
    // The registry password itself never reaches user data: only its parameter's name.
    expect(userData).not.toMatch(/dockerhub_password\s+=/);
    expect(userData).toMatch(
      /dockerhub_password_parameter\s+=\s+var\.dockerhub_password_parameter_name/
    );
  });

  it('uses the S3 backend with S3-native locking and Terraform >= 1.11', async () => {
    const root = await loadModule('.');
    const backend = bodies(root.settings.find((s) => s.backend)?.backend)[0];
    expect(backend).toBeDefined();
    expect(bodies(backend?.s3)[0]).toMatchObject({ use_lockfile: true, encrypt: true });
    expect(root.settings.find((s) => s.required_version)?.required_version).toBe('>= 1.11');
  });

  it('passes the agreed outputs to the deploy workflow', async () => {
    const root = await loadModule('.');
    const outputs = root.blocks.filter((b) => b.kind === 'output').map((b) => b.name);
    for (const name of [
      'shop_url',
      'alb_dns_name',
      'bastion_public_ips',
      'app_autoscaling_group_names',
      'launch_template_id',
      'launch_template_version',
      'rds_endpoint',
      'region',
      'grafana_url',
      'prometheus_url',
      'monitoring_public_ip',
      'target_group_arn'
    ]) {
      expect(outputs).toContain(name);
    }
    // The in-place redeploy's outputs are gone with it.
    for (const name of ['deploy_document_name', 'image_parameter_names', 'app_instance_ids']) {
      expect(outputs).not.toContain(name);
    }
  });

  it('takes the images by digest, the registry user and the password parameter name', async () => {
    const root = await loadModule('.');
    const variable = (name: string) => block(root, 'variable', '', name).body;
    expect(variable('backend_image').default).toBeUndefined();
    expect(variable('frontend_image').default).toBeUndefined();
    expect(variable('dockerhub_username').default).toBeUndefined();
    expect(str(variable('dockerhub_password_parameter_name'), 'default')).toBe(
      '/ecommerce/dockerhub/password'
    );
    const rule = bodies(variable('backend_image').validation)[0];
    const pattern = /can\(regex\("(.+)", var\.backend_image\)\)/.exec(
      str(rule ?? {}, 'condition') ?? ''
    )?.[1];
    expect(pattern).toBeDefined();
    const digest = new RegExp((pattern ?? '').replace(/\\\\/g, '\\'));
    expect(digest.test(`docker.io/acme/ecommerce-backend@sha256:${'a'.repeat(64)}`)).toBe(true);
    expect(digest.test('docker.io/acme/ecommerce-backend:latest')).toBe(false);
  });
});

describe('the VPC module', () => {
  it("names the VPC wl6vpc, in the original project's region and zones by default", async () => {
    const root = await loadModule('.');
    expect(block(root, 'variable', '', 'vpc_name').body.default).toBe('wl6vpc');
    expect(block(root, 'variable', '', 'region').body.default).toBe('us-east-1');
    // Zones follow the region (us-east-1: us-east-1a and us-east-1b) unless azs names them.
    expect(block(root, 'variable', '', 'azs').body.default).toBeNull();
    const vpc = await loadModule('modules/vpc');
    expect(block(vpc, 'variable', '', 'azs').body.default).toBeNull();
    const zones = block(vpc, 'data', 'aws_availability_zones', 'available').body;
    expect(zones.count).toBe('${var.azs == null ? 1 : 0}');
    expect(zones.state).toBe('available');
    expect(vpc.locals.azs).toContain(
      'slice(sort(data.aws_availability_zones.available[0].names), 0'
    );
    expect(block(vpc, 'resource', 'aws_vpc', 'this').body.tags).toBe(
      '${merge(var.tags, { Name = var.name })}'
    );
  });

  it('has, per zone, a public, a private and a database subnet, and one NAT gateway per zone unless single_nat_gateway', async () => {
    const vpc = await loadModule('modules/vpc');
    for (const name of ['public', 'private', 'database']) {
      expect(block(vpc, 'resource', 'aws_subnet', name).body.for_each).toBe('${local.zones}');
      expect(block(vpc, 'resource', 'aws_route_table_association', name).body.for_each).toBe(
        '${local.zones}'
      );
    }
    expect(block(vpc, 'resource', 'aws_nat_gateway', 'this').body.for_each).toBe(
      '${toset(local.nat_keys)}'
    );
    expect(block(vpc, 'resource', 'aws_eip', 'nat').body.for_each).toBe('${toset(local.nat_keys)}');
    expect(vpc.locals.nat_keys).toBe('${var.single_nat_gateway ? ["az1"] : keys(local.zones)}');
    expect(block(vpc, 'variable', '', 'single_nat_gateway').body.default).toBe(false);
    block(vpc, 'resource', 'aws_internet_gateway', 'this');
    block(vpc, 'resource', 'aws_route_table', 'public');
    expect(block(vpc, 'resource', 'aws_route_table', 'private').body.for_each).toBe(
      '${local.zones}'
    );
  });

  it('peers with the default VPC and routes both ways', async () => {
    const vpc = await loadModule('modules/vpc');
    expect(block(vpc, 'data', 'aws_vpc', 'default').body.default).toBe(true);
    expect(block(vpc, 'resource', 'aws_vpc_peering_connection', 'default').body.auto_accept).toBe(
      true
    );
    expect(
      str(block(vpc, 'resource', 'aws_route', 'private_to_default').body, 'destination_cidr_block')
    ).toBe('${data.aws_vpc.default[0].cidr_block}');
    expect(
      str(block(vpc, 'resource', 'aws_route', 'default_to_private').body, 'destination_cidr_block')
    ).toBe('${aws_vpc.this.cidr_block}');
  });

  it('keeps the database subnets off the internet (no route out of the VPC)', async () => {
    const vpc = await loadModule('modules/vpc');
    const routes = vpc.blocks.filter((b) => b.type === 'aws_route');
    expect(
      routes.some((r) => String(r.body.route_table_id).includes('aws_route_table.database'))
    ).toBe(false);
    const root = await loadModule('.');
    expect(block(root, 'module', '', 'rds').body.subnet_ids).toBe(
      '${values(module.vpc.database_subnet_ids)}'
    );
  });
});

describe('the EC2 module', () => {
  it('names the servers as the original project does, one group per zone, app servers tagged Role = app', async () => {
    const ec2 = await loadModule('modules/ec2');
    const bastion = block(ec2, 'resource', 'aws_instance', 'bastion').body;
    const group = block(ec2, 'resource', 'aws_autoscaling_group', 'app').body;
    expect(bastion.tags).toBe(
      '${merge(local.role_tags.bastion, { Name = "${var.name_prefix}_bastion_${each.key}" })}'
    );
    // The group's tags reach every instance it launches: Name per zone, Project and Role.
    const tag = bodies(bodies(group.dynamic)[0]?.tag)[0];
    expect(tag?.for_each).toBe(
      '${merge(local.role_tags.app, { Name = "${var.name_prefix}_app_${each.key}" })}'
    );
    expect(bodies(tag?.content)[0]?.propagate_at_launch).toBe(true);
    expect(group.name).toBe('${var.name_prefix}-app-${each.key}');
    expect(ec2.locals.role_tags).toEqual({
      app: '${merge(var.tags, { Role = "app" })}',
      bastion: '${merge(var.tags, { Role = "bastion" })}'
    });
    expect(group.for_each).toBe('${var.private_subnet_ids}');
    expect(group.vpc_zone_identifier).toEqual(['${each.value}']);
    expect(bastion.for_each).toBe('${var.create_bastions ? var.public_subnet_ids : {}}');
    expect(block(ec2, 'variable', '', 'name_prefix').body.default).toBe('ecommerce');
    expect(ec2.blocks.filter((b) => b.type === 'aws_instance').map((b) => b.name)).toEqual([
      'bastion'
    ]);
    const vpc = await loadModule('modules/vpc');
    expect(vpc.locals.zones).toContain('"az${index + 1}"');
  });

  it('registers the groups in the target group, replaces by ELB health, and leaves the version and capacity to the refresh and to scaling', async () => {
    const ec2 = await loadModule('modules/ec2');
    const group = block(ec2, 'resource', 'aws_autoscaling_group', 'app').body;
    expect(group).toMatchObject({
      target_group_arns: ['${var.target_group_arn}'],
      health_check_type: 'ELB',
      health_check_grace_period: '${var.app_health_check_grace_period}'
    });
    expect(
      block(ec2, 'variable', '', 'app_health_check_grace_period').body.default
    ).toBeGreaterThanOrEqual(300);
    const template = bodies(group.launch_template)[0];
    expect(template).toEqual({
      id: '${aws_launch_template.app.id}',
      version: '${aws_launch_template.app.latest_version}'
    });
    expect(bodies(group.lifecycle)[0]?.ignore_changes).toEqual([
      '${desired_capacity}',
      '${launch_template[0].version}'
    ]);
    expect(bodies(group.instance_maintenance_policy)[0]).toEqual({
      min_healthy_percentage: 100,
      max_healthy_percentage: 200
    });
    const metrics = ec2.blocks
      .filter((b) => b.type === 'aws_autoscaling_policy')
      .map((b) => {
        const config = bodies(b.body.target_tracking_configuration)[0];
        return [
          b.body.policy_type,
          bodies(config?.predefined_metric_specification)[0]?.predefined_metric_type
        ];
      });
    expect(metrics).toEqual([
      ['TargetTrackingScaling', 'ASGAverageCPUUtilization'],
      ['TargetTrackingScaling', 'ALBRequestCountPerTarget']
    ]);
  });

  it('launches from a template with the instance profile, the user data, IMDSv2 and encrypted volumes', async () => {
    const ec2 = await loadModule('modules/ec2');
    const template = block(ec2, 'resource', 'aws_launch_template', 'app').body;
    expect(template.user_data).toBe('${base64gzip(var.app_user_data)}');
    expect(bodies(template.iam_instance_profile)[0]?.arn).toBe(
      '${aws_iam_instance_profile.app.arn}'
    );
    expect(bodies(template.metadata_options)[0]).toMatchObject({
      http_tokens: 'required',
      http_put_response_hop_limit: 1
    });
    const ebs = bodies(bodies(template.block_device_mappings)[0]?.ebs)[0];
    expect(ebs).toMatchObject({ encrypted: true, delete_on_termination: true });
    expect(bodies(template.block_device_mappings)[0]?.device_name).toBe(
      '${data.aws_ami.ubuntu.root_device_name}'
    );
    expect(bodies(template.tag_specifications).map((t) => [t.resource_type, t.tags])).toEqual([
      ['instance', '${merge(local.role_tags.app, { Name = "${var.name_prefix}_app" })}'],
      ['volume', '${merge(local.role_tags.app, { Name = "${var.name_prefix}_app" })}']
    ]);
  });

  it('looks the AMI up (Canonical Ubuntu LTS), never a hard-coded ID', async () => {
    const ec2 = await loadModule('modules/ec2');
    expect(block(ec2, 'variable', '', 'ami_owner').body.default).toBe('099720109477');
    expect(String(block(ec2, 'variable', '', 'ami_name_pattern').body.default)).toMatch(
      /ubuntu-noble-24\.04/
    );
    for (const dir of terraformDirs()) {
      const text = JSON.stringify((await loadModule(dir)).files);
      expect(text).not.toMatch(/ami-[0-9a-f]{8,}/);
    }
  });

  it('requires IMDSv2 with a hop limit of 1, encrypts root volumes and gives every server an instance profile', async () => {
    for (const dir of MODULES) {
      for (const instance of (await loadModule(dir)).blocks.filter(
        (b) => b.type === 'aws_instance'
      )) {
        const where = `${instance.file}: ${instance.name}`;
        expect([where, bodies(instance.body.metadata_options)[0]?.http_tokens]).toEqual([
          where,
          'required'
        ]);
        // One hop: a container's packets (one more hop through Docker's bridge) never get a token, so
        // the app containers cannot use the instance role (which may read the database master secret).
        expect([
          where,
          bodies(instance.body.metadata_options)[0]?.http_put_response_hop_limit
        ]).toEqual([where, 1]);
        expect([where, bodies(instance.body.root_block_device)[0]?.encrypted]).toEqual([
          where,
          true
        ]);
        expect([where, typeof instance.body.iam_instance_profile]).toEqual([where, 'string']);
      }
    }
  });
});

describe('the RDS module', () => {
  it('runs PostgreSQL encrypted, backed up, protected, with an RDS-managed master password', async () => {
    const rds = await loadModule('modules/rds');
    const db = block(rds, 'resource', 'aws_db_instance', 'this').body;
    expect(db).toMatchObject({
      engine: 'postgres',
      storage_encrypted: true,
      manage_master_user_password: true,
      publicly_accessible: false,
      multi_az: '${var.multi_az}',
      deletion_protection: '${var.deletion_protection}',
      skip_final_snapshot: '${var.skip_final_snapshot}',
      backup_retention_period: '${var.backup_retention_period}'
    });
    expect(db.password).toBeUndefined();
    const defaults = Object.fromEntries(
      rds.blocks.filter((b) => b.kind === 'variable').map((b) => [b.name, b.body.default])
    );
    expect(defaults).toMatchObject({
      deletion_protection: true,
      skip_final_snapshot: false,
      multi_az: true,
      backup_retention_period: 7
    });
    block(rds, 'resource', 'aws_db_subnet_group', 'this');
    block(rds, 'resource', 'aws_security_group', 'this');
  });
});

describe('the Load module', () => {
  it('balances port 3000 behind an ALB that drops invalid headers; the app groups register their own instances', async () => {
    const load = await loadModule('modules/load');
    expect(block(load, 'resource', 'aws_lb', 'this').body).toMatchObject({
      load_balancer_type: 'application',
      drop_invalid_header_fields: true,
      enable_deletion_protection: '${var.deletion_protection}'
    });
    const group = block(load, 'resource', 'aws_lb_target_group', 'this').body;
    expect(group.port).toBe(3000);
    expect(bodies(group.health_check)[0]?.path).toBe('${var.health_check_path}');
    expect(block(load, 'variable', '', 'health_check_path').body.default).toBe('/readyz');
    expect(load.blocks.filter((b) => b.type === 'aws_lb_target_group_attachment')).toEqual([]);
    expect(block(load, 'resource', 'aws_lb_listener', 'http').body.port).toBe(80);
    expect(block(load, 'resource', 'aws_lb_listener', 'https').body.count).toBe(
      '${local.https ? 1 : 0}'
    );
  });
});

describe('conventions', () => {
  it('every module has main.tf, variables.tf, outputs.tf, versions.tf and a README', () => {
    for (const dir of [...MODULES, '.', 'bootstrap']) {
      for (const file of ['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf', 'README.md']) {
        expect([dir, file, existsSync(path.join(TERRAFORM_DIR, dir, file))]).toEqual([
          dir,
          file,
          true
        ]);
      }
    }
  });

  it("every README's inputs and outputs tables list each variable and output with its description", async () => {
    const missing: string[] = [];
    for (const dir of [...MODULES, '.', 'bootstrap']) {
      const readme = readFileSync(path.join(TERRAFORM_DIR, dir, 'README.md'), 'utf8');
      for (const b of (await loadModule(dir)).blocks.filter(
        (x) => x.kind === 'variable' || x.kind === 'output'
      )) {
        const description = (str(b.body, 'description') ?? '').replace(/\|/g, '\\|');
        if (!readme.includes(`| \`${b.name}\` | ${description} |`)) {
          missing.push(
            `${dir}/README.md: ${b.kind} ${b.name} (node terraform/update-docs.mjs rewrites the tables)`
          );
        }
      }
    }
    expect(missing).toEqual([]);
  });

  // A module states the oldest provider it works with; a configuration that is run (the root,
  // bootstrap, the examples) pins the major version, so a provider release with breaking changes
  // arrives only through a reviewed change (Dependabot's pull request), never on a routine init.
  it('every configuration requires Terraform >= 1.11; modules accept the AWS provider >= 6.0, what is run pins ~> 6.0; no module configures a provider', async () => {
    for (const dir of terraformDirs()) {
      const config = await loadModule(dir);
      // A module of plain data (bootstrap/policies renders documents, offline) needs no provider.
      if (
        !config.blocks.some((b) => ['resource', 'data', 'ephemeral', 'provider'].includes(b.kind))
      ) {
        expect([dir, config.settings.find((s) => s.required_version)?.required_version]).toEqual([
          dir,
          '>= 1.11'
        ]);
        expect([dir, config.settings.some((s) => s.required_providers)]).toEqual([dir, false]);
        continue;
      }
      const settings = config.settings.find((s) => s.required_providers);
      expect([dir, settings?.required_version]).toEqual([dir, '>= 1.11']);
      const providers = bodies(settings?.required_providers)[0];
      expect([dir, (providers?.aws as { version?: string } | undefined)?.version]).toEqual([
        dir,
        dir.startsWith('modules/') ? '>= 6.0' : '~> 6.0'
      ]);
      const random = providers?.random as { version?: string } | undefined;
      if (random && !dir.startsWith('modules/'))
        expect([dir, random.version]).toEqual([dir, '~> 3.7']);
      if (dir.startsWith('modules/')) {
        expect([dir, config.blocks.filter((b) => b.kind === 'provider').length]).toEqual([dir, 0]);
      }
    }
  });

  it('every variable is typed and described, every output described', async () => {
    const problems: string[] = [];
    for (const dir of terraformDirs()) {
      for (const b of (await loadModule(dir)).blocks) {
        if (b.kind === 'variable' && (!str(b.body, 'description') || b.body.type === undefined)) {
          problems.push(`${b.file}: variable ${b.name}`);
        }
        if (b.kind === 'output' && !str(b.body, 'description'))
          problems.push(`${b.file}: output ${b.name}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("no variable carries a secret default; the original project's dockerhub_password variable is gone", async () => {
    const problems: string[] = [];
    for (const dir of terraformDirs()) {
      for (const b of (await loadModule(dir)).blocks.filter((x) => x.kind === 'variable')) {
        const secretish = /(password|secret|token|private_key|api_key)/i.test(b.name);
        const reference = /(_parameter(_name)?|_version|_arns?|_id)$/.test(b.name);
        if (secretish && !reference) problems.push(`${b.file}: variable ${b.name} holds a secret`);
        if (secretish && b.body.default !== undefined && b.body.default !== null && !reference) {
          problems.push(`${b.file}: variable ${b.name} has a default`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('every taggable resource merges var.tags (or the root’s local.tags) and carries a Name', async () => {
    const configs = await Promise.all(terraformDirs().map((dir) => loadModule(dir)));
    const resources = configs.flatMap((c) =>
      c.blocks.filter((b) => b.kind === 'resource' && b.type.startsWith('aws_'))
    );
    const extract = loadSchemas([...new Set(resources.map(schemaKey))].sort());
    const problems: string[] = [];
    for (const resource of resources) {
      if (!extract.types[schemaKey(resource)]?.tags) continue;
      const where = `${resource.file}: ${resource.type}.${resource.name}`;
      const tags = str(resource.body, 'tags') ?? '';
      if (
        !/merge\((var\.tags|local\.tags|local\.role_tags\.\w+),/.test(tags) ||
        !tags.includes('Name =')
      ) {
        problems.push(`${where}: tags = ${tags || '(none)'}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('the root tags everything with Project = var.project (default ecommerce)', async () => {
    const root = await loadModule('.');
    expect(root.locals.tags).toBe('${merge(var.tags, { Project = var.project })}');
    expect(block(root, 'variable', '', 'project').body.default).toBe('ecommerce');
  });

  it('has a terraform.tfvars.example for the root and bootstrap and a runnable example', () => {
    for (const file of [
      'terraform.tfvars.example',
      'bootstrap/terraform.tfvars.example',
      'examples/network-only/main.tf'
    ]) {
      expect([file, existsSync(path.join(TERRAFORM_DIR, file))]).toEqual([file, true]);
    }
    const example = readFileSync(path.join(TERRAFORM_DIR, 'terraform.tfvars.example'), 'utf8');
    expect(example).toMatch(/backend_image\s*=\s*".+@sha256:/);
  });
});

// Last, after every check above: each folder of terraform/modules/ went through them.
it('checked every module folder under terraform/modules/', () => {
  expect(modulesNotLoaded()).toEqual([]);
});
