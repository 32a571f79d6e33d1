import { describe, expect, it } from '@jest/globals';
import {
  loadModule,
  str,
  terraformDirs,
  type ModuleConfig,
  modulesNotLoaded
} from './support/hcl.js';

// What `terraform validate` would catch first, without a binary: every var., local., module.,
// resource, data and ephemeral reference names something declared, and every module call
// passes only inputs the module declares and every input it requires.

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) strings(item, out);
  else if (value && typeof value === 'object')
    for (const item of Object.values(value)) strings(item, out);
  return out;
}

/** The expression text of a configuration (everything inside ${...} and bare references). */
function expressions(config: ModuleConfig): string[] {
  // moved and removed blocks name addresses that no longer exist, by design.
  return Object.values(config.files).flatMap((file) =>
    strings(
      Object.fromEntries(
        Object.entries(file).filter(([key]) => key !== 'moved' && key !== 'removed')
      )
    )
  );
}

function problemsIn(config: ModuleConfig, calls: Map<string, ModuleConfig>): string[] {
  const problems: string[] = [];
  const declared = (kind: string) =>
    new Set(config.blocks.filter((b) => b.kind === kind).map((b) => `${b.type}.${b.name}`));
  const variables = new Set(config.blocks.filter((b) => b.kind === 'variable').map((b) => b.name));
  const locals = new Set(Object.keys(config.locals));
  const resources = declared('resource');
  const data = declared('data');
  const ephemeral = declared('ephemeral');
  for (const text of expressions(config)) {
    // Text inside quotes within an expression (e.g. "az${index + 1}") is still expression text.
    for (const m of text.matchAll(/(?<![\w.])var\.(\w+)/g))
      if (!variables.has(m[1] ?? '')) problems.push(`${config.dir}: var.${m[1]} is not declared`);
    for (const m of text.matchAll(/(?<![\w.])local\.(\w+)/g))
      if (!locals.has(m[1] ?? '')) problems.push(`${config.dir}: local.${m[1]} is not defined`);
    for (const m of text.matchAll(/(?<![\w.])data\.(aws_\w+)\.(\w+)/g)) {
      if (!data.has(`${m[1]}.${m[2]}`))
        problems.push(`${config.dir}: data.${m[1]}.${m[2]} is not declared`);
    }
    for (const m of text.matchAll(/(?<![\w.])ephemeral\.(\w+)\.(\w+)/g)) {
      if (!ephemeral.has(`${m[1]}.${m[2]}`))
        problems.push(`${config.dir}: ephemeral.${m[1]}.${m[2]} is not declared`);
    }
    for (const m of text.matchAll(/(?<![\w.])(aws_[a-z0-9_]+)\.(\w+)(?=[.[])/g)) {
      if (!resources.has(`${m[1]}.${m[2]}`))
        problems.push(`${config.dir}: ${m[1]}.${m[2]} is not declared`);
    }
    for (const m of text.matchAll(/(?<![\w.])module\.(\w+)(?:\[\d+\])?\.(\w+)/g)) {
      const callee = calls.get(m[1] ?? '');
      if (!callee) problems.push(`${config.dir}: module.${m[1]} is not called`);
      else if (!callee.blocks.some((b) => b.kind === 'output' && b.name === m[2])) {
        problems.push(`${config.dir}: module.${m[1]} has no output ${m[2]}`);
      }
    }
  }
  return problems;
}

describe('references', () => {
  it('name only declared variables, locals, resources, data sources, modules and module outputs', async () => {
    const problems: string[] = [];
    for (const dir of terraformDirs()) {
      const config = await loadModule(dir);
      const calls = new Map<string, ModuleConfig>();
      for (const call of config.blocks.filter((b) => b.kind === 'module')) {
        const source = str(call.body, 'source') ?? '';
        const target =
          source.startsWith('../') || source.startsWith('./') ? `${dir}/${source}` : source;
        calls.set(call.name, await loadModule(normalize(target)));
      }
      problems.push(...problemsIn(config, calls));
    }
    expect([...new Set(problems)]).toEqual([]);
  });

  it('module calls pass only declared inputs and every required one', async () => {
    const problems: string[] = [];
    const meta = new Set(['source', 'count', 'for_each', 'depends_on', 'providers', 'version']);
    for (const dir of terraformDirs()) {
      for (const call of (await loadModule(dir)).blocks.filter((b) => b.kind === 'module')) {
        const callee = await loadModule(normalize(`${dir}/${str(call.body, 'source') ?? ''}`));
        const inputs = new Map(
          callee.blocks.filter((b) => b.kind === 'variable').map((b) => [b.name, b.body])
        );
        for (const key of Object.keys(call.body)) {
          if (!meta.has(key) && !inputs.has(key))
            problems.push(`${dir}: module ${call.name} has no input ${key}`);
        }
        for (const [name, body] of inputs) {
          if (!('default' in body) && !(name in call.body))
            problems.push(`${dir}: module ${call.name} needs ${name}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('catch a reference to an undeclared variable (a seeded mistake)', async () => {
    const config = await loadModule('modules/load');
    const seeded: ModuleConfig = {
      ...config,
      files: {
        ...config.files,
        'seeded.tf': { resource: { aws_lb: { extra: [{ name: '${var.nmae}' }] } } }
      }
    };
    expect(problemsIn(seeded, new Map())).toContain('modules/load: var.nmae is not declared');
  });
});

// Last, after every check above: each folder of terraform/modules/ went through them.
it('checked every module folder under terraform/modules/', () => {
  expect(modulesNotLoaded()).toEqual([]);
});

function normalize(relative: string): string {
  const parts: string[] = [];
  for (const part of relative.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.length ? parts.join('/') : '.';
}
