import { beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from '@cdktf/hcl2json';
import {
  bodies,
  isBody,
  loadModule,
  terraformDirs,
  type Block,
  modulesNotLoaded
} from './support/hcl.js';
import { loadSchemas, type SchemaExtract } from './support/provider-schema.js';
import { checkBlock, schemaKey } from './support/schema-check.js';

// Every resource and data source of every configuration under terraform/, checked against
// the AWS provider's real schema (from @cdktf/provider-aws's .jsii manifest).
let blocks: Block[] = [];
let extract: SchemaExtract;

beforeAll(async () => {
  for (const dir of terraformDirs()) {
    const config = await loadModule(dir);
    blocks.push(
      ...config.blocks.filter(
        (b) => (b.kind === 'resource' || b.kind === 'data') && b.type.startsWith('aws_')
      )
    );
  }
  blocks = blocks.sort((a, b) =>
    `${a.file}${a.type}${a.name}`.localeCompare(`${b.file}${b.type}${b.name}`)
  );
  // The types the seeded-typo tests below use are part of the extract too.
  const wanted = [
    ...new Set([
      ...blocks.map(schemaKey),
      'resource.aws_instance',
      'resource.aws_lb',
      'resource.aws_lb_listener',
      'resource.aws_ssm_parameter',
      'data.aws_ami'
    ])
  ];
  extract = loadSchemas(wanted.sort());
}, 300_000);

describe('the AWS provider schema', () => {
  it('is the 6.x provider the modules require', () => {
    expect(extract.providerVersion).toMatch(/^6\./);
    expect(Object.keys(extract.types)).toContain('resource.aws_instance');
  });

  it('covers at least 40 resource and data source blocks of terraform/', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(40);
  });

  it('knows every argument, nested block and required argument of every block', () => {
    const problems = blocks.flatMap((block) => checkBlock(block, extract));
    expect(problems).toEqual([]);
  });
});

describe('the schema checker', () => {
  async function parseOne(hcl: string): Promise<Block> {
    const parsed = (await parse('seeded.tf', hcl)) as Record<string, unknown>;
    for (const kind of ['resource', 'data'] as const) {
      const section = parsed[kind];
      if (!isBody(section)) continue;
      for (const [type, named] of Object.entries(section)) {
        if (!isBody(named)) continue;
        for (const [name, list] of Object.entries(named)) {
          const body = bodies(list)[0];
          if (body) return { kind, type, name, body, file: 'seeded.tf' };
        }
      }
    }
    throw new Error('no block parsed');
  }

  it('reports a misspelt argument (a seeded typo) by name', async () => {
    const typo = await parseOne(
      'resource "aws_instance" "app" {\n  ami = "ami-1"\n  instance_type = "t3.micro"\n  user_data_replace_on_chang = true\n}\n'
    );
    expect(checkBlock(typo, extract)).toEqual([
      'seeded.tf: aws_instance.app: unknown argument "user_data_replace_on_chang"'
    ]);
  });

  it('reports a misspelt argument inside a nested block', async () => {
    const typo = await parseOne(
      'resource "aws_instance" "app" {\n  metadata_options {\n    http_token = "required"\n  }\n}\n'
    );
    expect(checkBlock(typo, extract)).toEqual([
      'seeded.tf: aws_instance.app.metadata_options: unknown argument "http_token"'
    ]);
  });

  it('reports a dynamic block that the resource does not have', async () => {
    const typo = await parseOne(
      'resource "aws_lb" "this" {\n  dynamic "access_log" {\n    for_each = []\n    content {}\n  }\n}\n'
    );
    expect(checkBlock(typo, extract)).toEqual([
      'seeded.tf: aws_lb.this: dynamic "access_log" is not a nested block of this type'
    ]);
  });

  it('reports a missing required argument, at the top and in a nested block', async () => {
    const missing = await parseOne('resource "aws_ssm_parameter" "x" {\n  name = "/a"\n}\n');
    expect(checkBlock(missing, extract)).toEqual([
      'seeded.tf: aws_ssm_parameter.x: missing required argument "type"'
    ]);
    const nested = await parseOne(
      'resource "aws_lb_listener" "x" {\n  load_balancer_arn = "arn"\n  default_action {\n    target_group_arn = "arn"\n  }\n}\n'
    );
    expect(checkBlock(nested, extract)).toEqual([
      'seeded.tf: aws_lb_listener.x.default_action: missing required argument "type"'
    ]);
  });

  it('reports a resource type the provider does not have', async () => {
    const unknown = await parseOne('resource "aws_instanse" "app" {\n  ami = "ami-1"\n}\n');
    expect(checkBlock(unknown, extract)).toEqual([
      `seeded.tf: aws_instanse.app: the AWS provider ${extract.providerVersion} has no resource type "aws_instanse"`
    ]);
  });
});

// Last, after every check above: each folder of terraform/modules/ went through them.
it('checked every module folder under terraform/modules/', () => {
  expect(modulesNotLoaded()).toEqual([]);
});
