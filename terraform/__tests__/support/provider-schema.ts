import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { TERRAFORM_DIR } from './hcl.js';

/**
 * The AWS provider's argument schema, read from the @cdktf/provider-aws package's .jsii
 * manifest (provider 6.25 for package 21.22.1): every resource and data source has a config
 * type whose properties carry an `optional` flag and a registry link whose anchor is the
 * argument's Terraform name; nested blocks are their own types.
 */

/** One argument: required or not, and the nested block's schema if it is a block. */
export interface Argument {
  required: boolean;
  block?: string;
}

/** A resource's, data source's or nested block's arguments by Terraform name. */
export type Schema = Record<string, Argument>;

/** What the cache holds: per resource/data type (`resource.aws_instance`) and nested type. */
export interface SchemaExtract {
  packageVersion: string;
  providerVersion: string;
  types: Record<string, Schema>;
}

interface JsiiProperty {
  name: string;
  optional?: boolean;
  docs?: { summary?: string; remarks?: string };
  type?: JsiiTypeRef;
}
interface JsiiTypeRef {
  fqn?: string;
  primitive?: string;
  collection?: { elementtype: JsiiTypeRef; kind: string };
  union?: { types: JsiiTypeRef[] };
}
interface JsiiType {
  fqn: string;
  kind: string;
  datatype?: boolean;
  docs?: { summary?: string };
  properties?: JsiiProperty[];
}

const require = createRequire(import.meta.url);
const CACHE_DIR = path.join(TERRAFORM_DIR, '__tests__', '.cache');

/** Where the package is, and its version (the cache key). */
export function providerPackage(): { dir: string; version: string } {
  const manifest = require.resolve('@cdktf/provider-aws/package.json');
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  return { dir: path.dirname(manifest), version };
}

const ANCHOR =
  /registry\.terraform\.io\/providers\/hashicorp\/aws\/([\d.]+)\/docs\/(resources|data-sources)\/\w+#(\w+)/;
const CLASS =
  /registry\.terraform\.io\/providers\/hashicorp\/aws\/([\d.]+)\/docs\/(resources|data-sources)\/\w+ (aws_\w+)\}/;

/** Meta-arguments Terraform itself handles in every resource block. */
export const META_ARGUMENTS = new Set([
  'count',
  'for_each',
  'depends_on',
  'provider',
  'lifecycle',
  'provisioner',
  'connection'
]);

function nestedFqn(
  ref: JsiiTypeRef | undefined,
  types: Record<string, JsiiType>
): string | undefined {
  if (!ref) return undefined;
  if (ref.fqn && types[ref.fqn]?.datatype) return ref.fqn;
  if (ref.collection) return nestedFqn(ref.collection.elementtype, types);
  for (const member of ref.union?.types ?? []) {
    const found = nestedFqn(member, types);
    if (found) return found;
  }
  return undefined;
}

function extractType(
  fqn: string,
  types: Record<string, JsiiType>,
  out: Record<string, Schema>
): void {
  if (out[fqn]) return;
  const schema: Schema = {};
  out[fqn] = schema;
  for (const property of types[fqn]?.properties ?? []) {
    const docs = `${property.docs?.summary ?? ''} ${property.docs?.remarks ?? ''}`;
    const anchor = ANCHOR.exec(docs)?.[3];
    if (!anchor) continue; // cdktf's own meta properties (count, dependsOn, ...)
    const block = nestedFqn(property.type, types);
    schema[anchor] = block
      ? { required: !property.optional, block }
      : { required: !property.optional };
    if (block) extractType(block, types, out);
  }
}

/**
 * Read the manifest (slow: ~130 MB) and extract the schemas of the given types
 * (`resource.aws_instance`, `data.aws_ami`) with their nested blocks.
 */
export function extractFromManifest(wanted: string[]): SchemaExtract {
  const { dir, version } = providerPackage();
  const manifest = JSON.parse(readFileSync(path.join(dir, '.jsii'), 'utf8')) as {
    types: Record<string, JsiiType>;
  };
  const byTerraformType = new Map<string, string>();
  let providerVersion = '';
  for (const type of Object.values(manifest.types)) {
    if (type.kind !== 'class') continue;
    const match = CLASS.exec(type.docs?.summary ?? '');
    if (!match) continue;
    providerVersion = match[1] ?? providerVersion;
    const kind = match[2] === 'resources' ? 'resource' : 'data';
    byTerraformType.set(`${kind}.${match[3]}`, `${type.fqn}Config`);
  }
  const nested: Record<string, Schema> = {};
  const extract: SchemaExtract = { packageVersion: version, providerVersion, types: {} };
  for (const key of wanted) {
    const config = byTerraformType.get(key);
    if (!config || !manifest.types[config]) continue; // unknown type: left out, reported by the checker
    extractType(config, manifest.types, nested);
    extract.types[key] = { ...nested[config] };
  }
  for (const [fqn, schema] of Object.entries(nested)) {
    if (!fqn.endsWith('Config')) extract.types[fqn] = schema;
  }
  return extract;
}

/**
 * The schemas of the given types, from the gitignored cache keyed by the package version, or
 * from the manifest when the cache lacks one of them (the new extract then replaces it).
 */
export function loadSchemas(wanted: string[]): SchemaExtract {
  const { version } = providerPackage();
  const file = path.join(CACHE_DIR, `provider-aws-${version}.json`);
  if (existsSync(file)) {
    const cached = JSON.parse(readFileSync(file, 'utf8')) as SchemaExtract & { known?: string[] };
    const known = new Set(cached.known ?? []);
    if (cached.packageVersion === version && wanted.every((key) => known.has(key))) return cached;
  }
  const extract = extractFromManifest(wanted);
  mkdirSync(CACHE_DIR, { recursive: true });
  writeFileSync(file, JSON.stringify({ ...extract, known: wanted }));
  return extract;
}
