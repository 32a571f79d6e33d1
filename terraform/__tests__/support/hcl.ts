import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '@cdktf/hcl2json';

/** terraform/ in the repository. */
export const TERRAFORM_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Every folder of terraform/modules/, as `modules/<name>`: found on disk, never listed by hand. */
export function moduleDirs(): string[] {
  const modules = path.join(TERRAFORM_DIR, 'modules');
  return readdirSync(modules, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => `modules/${entry.name}`)
    .sort();
}

/** The modules under terraform/modules/ (see moduleDirs). */
export const MODULES: readonly string[] = moduleDirs();

/** A parsed block body as @cdktf/hcl2json gives it: nested blocks are arrays of bodies. */
export type Body = Record<string, unknown>;

export type BlockKind =
  'resource' | 'data' | 'ephemeral' | 'module' | 'variable' | 'output' | 'provider';

/** One block of a configuration, with where it was found. */
export interface Block {
  kind: BlockKind;
  /** Resource or data source type (aws_instance); for module/variable/output/provider, ''. */
  type: string;
  name: string;
  body: Body;
  /** File relative to terraform/. */
  file: string;
}

/** Every .tf file of one directory (a module), parsed. */
export interface ModuleConfig {
  dir: string;
  files: Record<string, Body>;
  blocks: Block[];
  /** terraform {} blocks. */
  settings: Body[];
  locals: Record<string, unknown>;
}

/** Narrow an unknown to a plain object. */
export function isBody(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The bodies of a nested block (hcl2json gives a list of bodies per block name). */
export function bodies(value: unknown): Body[] {
  if (Array.isArray(value)) return value.filter(isBody);
  return isBody(value) ? [value] : [];
}

function addBlocks(
  out: Block[],
  kind: BlockKind,
  section: unknown,
  file: string,
  typed: boolean
): void {
  if (!isBody(section)) return;
  for (const [first, inner] of Object.entries(section)) {
    if (typed) {
      if (!isBody(inner)) continue;
      for (const [name, list] of Object.entries(inner)) {
        for (const body of bodies(list)) out.push({ kind, type: first, name, body, file });
      }
    } else {
      for (const body of bodies(inner)) out.push({ kind, type: '', name: first, body, file });
    }
  }
}

const cache = new Map<string, Promise<ModuleConfig>>();

/**
 * The folders of terraform/modules/ that no check in this test file has loaded yet: a test file
 * that checks every module ends with a test that this is empty, so a module the checks skip
 * fails instead of passing silently.
 */
export function modulesNotLoaded(): string[] {
  return moduleDirs().filter((dir) => !cache.has(dir));
}

/** Parse every .tf file of a directory relative to terraform/ (cached per run). */
export function loadModule(dir: string): Promise<ModuleConfig> {
  let loaded = cache.get(dir);
  if (!loaded) {
    loaded = parseModule(dir);
    cache.set(dir, loaded);
  }
  return loaded;
}

async function parseModule(dir: string): Promise<ModuleConfig> {
  const absolute = path.join(TERRAFORM_DIR, dir);
  const config: ModuleConfig = { dir, files: {}, blocks: [], settings: [], locals: {} };
  for (const name of readdirSync(absolute)
    .filter((file) => file.endsWith('.tf'))
    .sort()) {
    const file = path.posix.join(dir === '.' ? '' : dir, name);
    const parsed = (await parse(file, readFileSync(path.join(absolute, name), 'utf8'))) as Body;
    config.files[file] = parsed;
    addBlocks(config.blocks, 'resource', parsed.resource, file, true);
    addBlocks(config.blocks, 'data', parsed.data, file, true);
    addBlocks(config.blocks, 'ephemeral', parsed.ephemeral, file, true);
    addBlocks(config.blocks, 'module', parsed.module, file, false);
    addBlocks(config.blocks, 'variable', parsed.variable, file, false);
    addBlocks(config.blocks, 'output', parsed.output, file, false);
    addBlocks(config.blocks, 'provider', parsed.provider, file, false);
    config.settings.push(...bodies(parsed.terraform));
    for (const locals of bodies(parsed.locals)) Object.assign(config.locals, locals);
  }
  return config;
}

/** Every directory under terraform/ holding .tf files (the tests and caches excluded). */
export function terraformDirs(): string[] {
  const found: string[] = [];
  const walk = (relative: string): void => {
    const absolute = path.join(TERRAFORM_DIR, relative);
    const entries = readdirSync(absolute);
    if (entries.some((entry) => entry.endsWith('.tf')))
      found.push(relative === '' ? '.' : relative);
    for (const entry of entries) {
      if (entry.startsWith('.') || entry === '__tests__' || entry === 'node_modules') continue;
      if (statSync(path.join(absolute, entry)).isDirectory())
        walk(path.posix.join(relative, entry));
    }
  };
  walk('');
  return found.sort();
}

/** The one block of a kind/type/name, or a failure naming what is missing. */
export function block(config: ModuleConfig, kind: BlockKind, type: string, name: string): Block {
  const found = config.blocks.find((b) => b.kind === kind && b.type === type && b.name === name);
  if (!found) throw new Error(`${config.dir}: no ${kind} ${type ? `${type}.` : ''}${name}`);
  return found;
}

/** A string attribute of a body (expressions come as "${...}" strings). */
export function str(body: Body, key: string): string | undefined {
  const value = body[key];
  return typeof value === 'string' ? value : undefined;
}
