import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse as parseYaml } from 'yaml';
import {
  MODULES,
  TERRAFORM_DIR,
  bodies,
  loadModule,
  modulesNotLoaded,
  str,
  type Body,
  type ModuleConfig
} from './support/hcl.js';
import { TERRAFORM_ENV } from './support/provider-free.js';
import { loadSchemas, type SchemaExtract } from './support/provider-schema.js';
import { checkBlock, schemaKey } from './support/schema-check.js';

// Every module under terraform/modules/ has a runnable example under terraform/examples/ that a
// team adopting that module alone would copy, and every example is checked like the rest:
// `terraform fmt`, the AWS provider's schema, and a real `terraform plan` of its own wiring
// (its variables, module calls, inputs and validations) with the modules' resources stood in
// for, since no provider can be downloaded here. checkov scans the examples in the suite's own
// step (scripts/suites/*-terraform.sh runs it over all of terraform/), which a test below holds.

/** Every folder of terraform/examples/, as `examples/<name>`: found on disk, never listed. */
function exampleDirs(): string[] {
  return readdirSync(path.join(TERRAFORM_DIR, 'examples'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => `examples/${entry.name}`)
    .sort();
}

const EXAMPLES = exampleDirs();
const TITLE = /^# Example: the `([a-z0-9_]+)` module$/m;

const readme = (dir: string): string =>
  existsSync(path.join(TERRAFORM_DIR, dir, 'README.md'))
    ? readFileSync(path.join(TERRAFORM_DIR, dir, 'README.md'), 'utf8')
    : '';

/** The modules/<name> an example calls, by its module blocks' local sources. */
function calledModules(config: ModuleConfig): string[] {
  return config.blocks
    .filter((b) => b.kind === 'module')
    .map((b) => /^\.\.\/\.\.\/modules\/([a-z0-9_]+)$/.exec(str(b.body, 'source') ?? '')?.[1])
    .filter((name): name is string => name !== undefined)
    .map((name) => `modules/${name}`);
}

/**
 * The example of each module: the folder whose README is titled "# Example: the `<name>` module"
 * and which calls ../../modules/<name>. Modules without one are listed, with what to add.
 */
async function modulesWithoutExample(examples: string[]): Promise<string[]> {
  const covered = new Set<string>();
  for (const dir of examples) {
    const name = TITLE.exec(readme(dir))?.[1];
    if (name && calledModules(await loadModule(dir)).includes(`modules/${name}`))
      covered.add(`modules/${name}`);
  }
  return MODULES.filter((dir) => !covered.has(dir)).map(
    (dir) =>
      `${dir} has no example: add terraform/examples/${path.basename(dir)}/ whose README is titled "# Example: the \`${path.basename(dir)}\` module" and which calls ../../${dir}`
  );
}

// ---------------------------------------------------------------------------------------------
// A provider-free copy of an example: its variables, locals, outputs and module calls as written;
// its own AWS resources and data sources, and every module, stood in for by terraform_data
// (Terraform's built-in provider, nothing to download) whose value is unknown at plan time. The
// modules keep their real variable blocks, so Terraform itself checks each call's arguments,
// types, required inputs and validations, and each reference to a module output.
// ---------------------------------------------------------------------------------------------

/** Values a user passes for an example's required variables (those the modules require). */
const STAND_INS: Record<string, string> = {
  permissions_boundary_arn: 'arn:aws:iam::123456789012:policy/example-boundary',
  parameters_kms_key_arn:
    'arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-1111-2222-3333-444455556666'
};

const UNKNOWN = 'resource "terraform_data" "unknown" {\n  input = jsondecode(timestamp())\n}\n';

/** The top-level blocks of an HCL file: their header (`resource "aws_x" "y"`) and text span. */
function topLevelBlocks(text: string): { header: string; start: number; end: number }[] {
  const found: { header: string; start: number; end: number }[] = [];
  for (const m of text.matchAll(/^([a-z_]+(?:[ \t]+"[^"\n]*")*)[ \t]*\{/gm)) {
    let depth = 0;
    for (let i = (m.index ?? 0) + m[0].length - 1; i < text.length; i++) {
      if (text[i] === '{') depth++;
      if (text[i] === '}' && --depth === 0) {
        found.push({ header: m[1] ?? '', start: m.index ?? 0, end: i + 1 });
        break;
      }
    }
  }
  return found;
}

/** The text without the block that opens at `from` (through its matching brace). */
function withoutBlock(text: string, from: number): string {
  let depth = 0;
  for (let i = text.indexOf('{', from); i < text.length; i++) {
    if (text[i] === '{') depth++;
    if (text[i] === '}' && --depth === 0) return text.slice(0, from) + text.slice(i + 1);
  }
  throw new Error('unterminated block');
}

/**
 * An example's .tf text with its provider, AWS resources and AWS data sources stood in for, and
 * no required_providers (Terraform would try to install them); required_version stays.
 */
function providerFreeText(text: string): string {
  let out = text;
  for (const b of topLevelBlocks(text).reverse()) {
    if (/^(provider|resource "aws_|data "aws_)/.test(b.header))
      out = out.slice(0, b.start) + out.slice(b.end);
  }
  const providers = /^[ \t]*required_providers[ \t]*\{/m.exec(out);
  if (providers) out = withoutBlock(out, providers.index);
  return out
    .replace(
      /(?<![\w.])(?:data\.)?aws_[a-z0-9_]+\.[a-z0-9_]+(?:\[[^\]]*\])?\.[a-z0-9_]+/g,
      'terraform_data.unknown.output'
    )
    .replace(/"\.\.\/\.\.\/modules\/([a-z0-9_]+)"/g, '"./stand-in-modules/$1"');
}

/** A module's variable blocks as written, and an unknown value for each of its outputs. */
function standInModule(module: ModuleConfig): string {
  const variables = Object.keys(module.files).flatMap((file) => {
    const text = readFileSync(path.join(TERRAFORM_DIR, file), 'utf8');
    return topLevelBlocks(text)
      .filter((b) => b.header.startsWith('variable '))
      .map((b) => text.slice(b.start, b.end));
  });
  const outputs = module.blocks
    .filter((b) => b.kind === 'output')
    .map((b) => `output "${b.name}" {\n  value = terraform_data.unknown.output\n}\n`);
  return [UNKNOWN, ...variables, ...outputs].join('\n');
}

/** Temporary folders of this run, removed after it. */
const made: string[] = [];

/**
 * The example's provider-free copy in a folder of the same name (its names use
 * basename(path.cwd)), with `edit` applied to its main.tf (seeded mistakes); the folder.
 */
async function providerFreeExample(dir: string, edit = (text: string) => text): Promise<string> {
  const base = mkdtempSync(path.join(tmpdir(), 'tf-example-'));
  made.push(base);
  const root = path.join(base, path.basename(dir));
  mkdirSync(root);
  for (const name of readdirSync(path.join(TERRAFORM_DIR, dir))) {
    const from = path.join(TERRAFORM_DIR, dir, name);
    if (name.endsWith('.tf')) {
      const text = providerFreeText(readFileSync(from, 'utf8'));
      writeFileSync(path.join(root, name), name === 'main.tf' ? edit(text) : text);
    } else if (!name.startsWith('.') && name !== 'README.md') {
      copyFileSync(from, path.join(root, name));
    }
  }
  writeFileSync(path.join(root, 'stand-in.tf'), UNKNOWN);
  for (const module of calledModules(await loadModule(dir))) {
    const target = path.join(root, 'stand-in-modules', path.basename(module));
    mkdirSync(target, { recursive: true });
    writeFileSync(path.join(target, 'main.tf'), standInModule(await loadModule(module)));
  }
  return root;
}

/** `terraform init` and `plan` of an example's provider-free copy: whether it passed, and why not. */
async function planExample(
  dir: string,
  edit?: (text: string) => string
): Promise<{ ok: boolean; message: string }> {
  const root = await providerFreeExample(dir, edit);
  const required = (await loadModule(dir)).blocks
    .filter((b) => b.kind === 'variable' && !('default' in b.body))
    .map((b) => b.name);
  const missing = required.filter((name) => !(name in STAND_INS));
  if (missing.length) return { ok: false, message: `no stand-in value for ${missing.join(', ')}` };
  const run = (args: string[]) =>
    spawnSync('terraform', args, { cwd: root, env: TERRAFORM_ENV, encoding: 'utf8' });
  const init = run(['init', '-backend=false', '-input=false', '-no-color']);
  const plan =
    init.status === 0
      ? run([
          'plan',
          '-input=false',
          '-lock=false',
          '-no-color',
          ...required.flatMap((name) => ['-var', `${name}=${STAND_INS[name]}`])
        ])
      : init;
  const message = `${plan.stdout}${plan.stderr}`.replace(/[│╷╵]/g, ' ').replace(/\s+/g, ' ');
  return { ok: plan.status === 0, message };
}

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------

let extract: SchemaExtract;
let rootSettings: Body | undefined;

beforeAll(async () => {
  const configs = await Promise.all(EXAMPLES.map((dir) => loadModule(dir)));
  const keys = configs.flatMap((c) =>
    c.blocks.filter((b) => b.kind === 'resource' || b.kind === 'data').map(schemaKey)
  );
  extract = loadSchemas([...new Set(keys)].sort());
  rootSettings = (await loadModule('.')).settings.find((s) => s.required_providers);
}, 300_000);

describe('the examples', () => {
  it('give every module under terraform/modules/ its example', async () => {
    expect(await modulesWithoutExample(EXAMPLES)).toEqual([]);
  });

  it('would name a module left without an example (one example taken away)', async () => {
    const rds = EXAMPLES.filter((dir) => TITLE.exec(readme(dir))?.[1] === 'rds');
    expect(rds.length).toBeGreaterThan(0);
    const without = await modulesWithoutExample(EXAMPLES.filter((dir) => !rds.includes(dir)));
    expect(without).toEqual([expect.stringMatching(/^modules\/rds has no example: add/)]);
  });

  it('are each initialised and validated with the real providers by ci.yml’s Terraform job', () => {
    // The one place the examples meet the AWS provider itself (this machine cannot download it).
    const ci = parseYaml(
      readFileSync(path.join(TERRAFORM_DIR, '..', '.github', 'workflows', 'ci.yml'), 'utf8')
    ) as { jobs: { terraform: { strategy: { matrix: { root: string[] } } } } };
    const roots = ci.jobs.terraform.strategy.matrix.root;
    expect(EXAMPLES.map((dir) => `terraform/${dir}`).filter((dir) => !roots.includes(dir))).toEqual(
      []
    );
  });

  it('are scanned by the suite’s checkov step, and every checkov skip in them says why', () => {
    const suites = path.join(TERRAFORM_DIR, '..', 'scripts', 'suites');
    const suite = readdirSync(suites).find((name) => /^\d+-terraform\.sh$/.test(name)) ?? '';
    const script = readFileSync(path.join(suites, suite), 'utf8');
    expect(script).toMatch(/checkov" -d terraform --framework terraform/);
    expect(script).not.toMatch(/--skip-path/);
    const skips = EXAMPLES.flatMap((dir) =>
      readdirSync(path.join(TERRAFORM_DIR, dir))
        .filter((name) => name.endsWith('.tf'))
        .flatMap((name) =>
          readFileSync(path.join(TERRAFORM_DIR, dir, name), 'utf8')
            .split('\n')
            .filter((line) => line.includes('checkov:skip'))
            .map((line) => ({ where: `${dir}/${name}`, line: line.trim() }))
        )
    );
    const unexplained = skips.filter(
      ({ line }) => !/^#checkov:skip=CKV2?_AWS_\d+:.{20,}$/.test(line)
    );
    expect(unexplained).toEqual([]);
  });
});

describe.each(EXAMPLES)('%s', (dir) => {
  const here = (name: string) => path.join(TERRAFORM_DIR, dir, name);

  it('has main.tf, variables.tf, outputs.tf, versions.tf and a README', () => {
    for (const file of ['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf', 'README.md'])
      expect([file, existsSync(here(file))]).toEqual([file, true]);
  });

  it('is formatted as terraform fmt writes it', () => {
    const fmt = spawnSync('terraform', ['fmt', '-check', '-diff', '-no-color', here('')], {
      env: TERRAFORM_ENV,
      encoding: 'utf8'
    });
    expect([fmt.status, fmt.stdout]).toEqual([0, '']);
  });

  it('pins Terraform and the providers as the root module does, and configures the region', async () => {
    const config = await loadModule(dir);
    const settings = config.settings.find((s) => s.required_providers);
    expect(settings?.required_version).toBe(rootSettings?.required_version);
    const providers = bodies(settings?.required_providers)[0] ?? {};
    const root = bodies(rootSettings?.required_providers)[0] ?? {};
    expect(Object.keys(providers)).toEqual(['aws']);
    expect(providers.aws).toEqual(root.aws);
    const provider = config.blocks.filter((b) => b.kind === 'provider');
    expect(provider.map((b) => [b.name, b.body.region])).toEqual([['aws', '${var.region}']]);
    expect(config.locals.name).toBe('ex-${basename(path.cwd)}');
  });

  it('types and describes every variable; only what its modules require has no default', async () => {
    const config = await loadModule(dir);
    const required = new Map<string, boolean>();
    for (const call of config.blocks.filter((b) => b.kind === 'module')) {
      const module = await loadModule(
        path.posix.join('modules', path.basename(str(call.body, 'source') ?? ''))
      );
      for (const [input, value] of Object.entries(call.body)) {
        const declared = module.blocks.find((b) => b.kind === 'variable' && b.name === input);
        const name = /^\$\{var\.(\w+)\}$/.exec(String(value))?.[1];
        if (declared && name) required.set(name, !('default' in declared.body));
      }
    }
    const problems: string[] = [];
    for (const b of config.blocks.filter((x) => x.kind === 'variable')) {
      if (!str(b.body, 'description') || b.body.type === undefined)
        problems.push(`variable ${b.name} is not typed and described`);
      if (!('default' in b.body) && required.get(b.name) !== true)
        problems.push(`variable ${b.name} has no default, and no module requires it`);
    }
    for (const b of config.blocks.filter((x) => x.kind === 'output'))
      if (!str(b.body, 'description')) problems.push(`output ${b.name} is not described`);
    expect(problems).toEqual([]);
  });

  it('says in its README what it creates and costs, how to run it and how to use the module from another repository', async () => {
    const text = readme(dir);
    const name = TITLE.exec(text)?.[1] ?? '(no "# Example: the `<module>` module" title)';
    expect(calledModules(await loadModule(dir))).toContain(`modules/${name}`);
    expect(text).toContain(
      `source = "github.com/<owner>/ecommerce_docker_deployment//terraform/modules/${name}?ref=v1"`
    );
    expect(text).toMatch(/## What it costs\n\nAbout \*\*\$\d+ a month\*\*/);
    const run = text.split('## Run it')[1]?.split('\n## ')[0] ?? '';
    for (const command of [
      'terraform init',
      'terraform plan',
      'terraform apply',
      'terraform destroy'
    ])
      expect([command, run.includes(command)]).toEqual([command, true]);
    const missing = (await loadModule(dir)).blocks
      .filter((b) => b.kind === 'variable' || b.kind === 'output')
      .filter((b) => {
        const description = (str(b.body, 'description') ?? '').replace(/\|/g, '\\|');
        return !text.includes(`| \`${b.name}\` | ${description} |`);
      })
      .map((b) => `${b.kind} ${b.name}`);
    expect(missing).toEqual([]);
  });

  it('gives every AWS resource and data source only arguments the provider’s schema knows, and all it requires', async () => {
    const blocks = (await loadModule(dir)).blocks.filter(
      (b) => b.kind === 'resource' || b.kind === 'data'
    );
    expect(blocks.flatMap((b) => checkBlock(b, extract))).toEqual([]);
  });

  it('plans with Terraform: its module calls, arguments, types and validations hold', async () => {
    const plan = await planExample(dir);
    expect([plan.ok, plan.ok ? '' : plan.message]).toEqual([true, '']);
    expect(plan.message).toMatch(/Plan: [1-9]\d* to add, 0 to change, 0 to destroy/);
  }, 60_000);
});

describe('the provider-free plan of an example', () => {
  it('fails on an argument the module does not declare (a seeded typo)', async () => {
    const plan = await planExample('examples/rds', (text) =>
      text.replace('  multi_az ', '  multi_azz ')
    );
    expect(plan.ok).toBe(false);
    expect(plan.message).toContain('Unsupported argument');
    expect(plan.message).toContain('multi_azz');
  }, 60_000);

  it('fails on a value a module validation refuses, and on a missing module output', async () => {
    const name = await planExample('examples/load', (text) =>
      text.replace('name                  = local.name', 'name = "-not-a-name"')
    );
    expect(name.ok).toBe(false);
    expect(name.message).toContain('name must be 1 to 28 letters');
    const output = await planExample('examples/load', (text) =>
      text.replace('module.vpc.vpc_id', 'module.vpc.vpc_idd')
    );
    expect(output.ok).toBe(false);
    expect(output.message).toContain('vpc_idd');
  }, 60_000);
});

// Last, after every check above: each folder of terraform/modules/ went through them.
it('checked every module folder under terraform/modules/', () => {
  expect(modulesNotLoaded()).toEqual([]);
});
