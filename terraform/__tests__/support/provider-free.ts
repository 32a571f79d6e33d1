import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// A real terraform on pieces of the project's HCL (variable blocks with their validations, a
// locals block) copied into a root without providers: `plan` runs the validations and
// `console` evaluates the expressions exactly as Terraform would, offline.

/** The environment terraform runs in here: no CLI configuration, no checkpoint calls. */
export const TERRAFORM_ENV = {
  ...process.env,
  TF_CLI_CONFIG_FILE: '/dev/null',
  TF_IN_AUTOMATION: '1',
  CHECKPOINT_DISABLE: '1'
};

/**
 * One top-level block (`variable "name" {...}`, `locals {...}`) of an HCL file, as written: the
 * first with that header, or the first whose text contains `containing`.
 */
export function hclBlock(text: string, header: string, containing?: string): string {
  let from = 0;
  for (;;) {
    const start = text.indexOf(`${header} {`, from);
    if (start < 0)
      throw new Error(`no ${header} block${containing ? ` holding ${containing}` : ''}`);
    let depth = 0;
    let end = -1;
    for (let i = text.indexOf('{', start); i < text.length; i++) {
      if (text[i] === '{') depth++;
      if (text[i] === '}' && --depth === 0) {
        end = i + 1;
        break;
      }
    }
    if (end < 0) throw new Error(`unterminated ${header} block`);
    const found = text.slice(start, end);
    if (!containing || found.includes(containing)) return found;
    from = end;
  }
}

/** A provider-free root holding the given HCL, initialised (no backend, nothing to download). */
export function providerFreeRoot(hcl: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tf-provider-free-'));
  writeFileSync(path.join(dir, 'main.tf'), hcl);
  const init = spawnSync('terraform', ['init', '-backend=false', '-input=false', '-no-color'], {
    cwd: dir,
    env: TERRAFORM_ENV,
    encoding: 'utf8'
  });
  if (init.status !== 0) throw new Error(`terraform init failed: ${init.stderr}`);
  return dir;
}

/** -var arguments for terraform. */
export const varArgs = (vars: Record<string, string>): string[] =>
  Object.entries(vars).flatMap(([name, value]) => ['-var', `${name}=${value}`]);

/** `terraform plan` of a provider-free root: whether validation passed, and its message on one line. */
export function planVariables(
  dir: string,
  vars: Record<string, string>
): { ok: boolean; message: string } {
  const result = spawnSync(
    'terraform',
    ['plan', '-input=false', '-no-color', '-lock=false', ...varArgs(vars)],
    { cwd: dir, env: TERRAFORM_ENV, encoding: 'utf8' }
  );
  const message = `${result.stdout}${result.stderr}`.replace(/[│╷╵]/g, ' ').replace(/\s+/g, ' ');
  return { ok: result.status === 0, message };
}

/** Expressions evaluated by `terraform console` in a provider-free root, as JSON values. */
export function consoleValues(
  dir: string,
  expressions: string[],
  vars: Record<string, string> = {}
): unknown[] {
  const result = spawnSync('terraform', ['console', '-no-color', ...varArgs(vars)], {
    cwd: dir,
    env: TERRAFORM_ENV,
    // Piped input prints only the last result: one list of them all.
    input: `jsonencode([${expressions.join(', ')}])\n`,
    encoding: 'utf8'
  });
  if (result.status !== 0) throw new Error(`terraform console failed: ${result.stderr}`);
  return JSON.parse(JSON.parse(result.stdout.trim()) as string) as unknown[];
}
