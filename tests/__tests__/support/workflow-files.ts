import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../../kit/action-bundle.js';

/** Helpers for tests that read the repository's workflow files and local actions. */

export const WORKFLOWS_DIR = path.join(repoRoot, '.github/workflows');

/** Every workflow file, by name (ci.yml, deploy.yml, ...). */
export function workflowFiles(): string[] {
  if (!existsSync(WORKFLOWS_DIR)) return [];
  return readdirSync(WORKFLOWS_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
}

export interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}

export interface Job {
  name?: string;
  needs?: string | string[];
  if?: string;
  permissions?: Record<string, string> | string;
  environment?: string | { name: string; url?: string };
  'runs-on'?: string;
  outputs?: Record<string, string>;
  steps?: Step[];
  env?: Record<string, string>;
}

export interface Workflow {
  name?: string;
  on: unknown;
  permissions?: Record<string, string> | string;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean | string };
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

export function readWorkflow(file: string): { text: string; workflow: Workflow } {
  const text = readFileSync(path.join(WORKFLOWS_DIR, file), 'utf8');
  return { text, workflow: parse(text) as Workflow };
}

export interface ActionMetadata {
  inputs?: Record<string, { required?: boolean; default?: unknown }>;
  outputs?: Record<string, unknown>;
}

/** A local action's metadata (`uses: ./actions/x`), or undefined if it has no action.yml. */
export function localAction(uses: string): ActionMetadata | undefined {
  const file = path.join(repoRoot, uses, 'action.yml');
  if (!existsSync(file)) return undefined;
  return parse(readFileSync(file, 'utf8')) as ActionMetadata;
}

/** Names declared with `<kind> "name"` in a Terraform file (outputs, variables). */
export function terraformNames(file: string, kind: 'output' | 'variable'): string[] | undefined {
  const full = path.join(repoRoot, file);
  if (!existsSync(full)) return undefined;
  const pattern = new RegExp(`^${kind}\\s+"([^"]+)"`, 'gm');
  return [...readFileSync(full, 'utf8').matchAll(pattern)].map((m) => m[1] as string);
}
