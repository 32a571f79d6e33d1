import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Terraform's templatefile() for what terraform/ uses: `${name}` interpolations of the given
 * variables, `$${` and `%%{` escapes. Anything else (function calls, directives, strip
 * markers) is refused rather than guessed, and a variable that was not passed is an error,
 * as it is for Terraform.
 */
export function renderTemplate(template: string, vars: Record<string, string | number | boolean>): string {
  let out = '';
  let index = 0;
  while (index < template.length) {
    const dollar = template.indexOf('${', index);
    const percent = template.indexOf('%{', index);
    const next = [dollar, percent].filter((at) => at >= 0).sort((a, b) => a - b)[0];
    if (next === undefined) {
      out += template.slice(index);
      break;
    }
    // An escape: the sequence's first character doubled.
    if (next > 0 && template[next - 1] === template[next] && (next < 2 || template[next - 2] !== template[next])) {
      out += template.slice(index, next - 1) + template.slice(next, next + 2);
      index = next + 2;
      continue;
    }
    out += template.slice(index, next);
    const close = template.indexOf('}', next);
    if (close < 0) throw new Error(`unterminated template sequence at offset ${next}`);
    const inner = template.slice(next + 2, close);
    if (template[next] === '%') throw new Error(`template directive %{${inner}} is not supported by this renderer`);
    const name = inner.trim();
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name) || inner.startsWith('~') || inner.endsWith('~')) {
      throw new Error(`template expression \${${inner}} is not supported by this renderer`);
    }
    if (!(name in vars)) throw new Error(`vars map does not contain key "${name}"`);
    out += String(vars[name]);
    index = close + 1;
  }
  return out;
}

/** HCL string literal of a value, for a templatefile() call given to real Terraform. */
function hclString(value: string): string {
  // A replacer function: in a replacement string, "$$" would mean one literal "$".
  return JSON.stringify(value)
    .replace(/\$\{/g, () => '$${')
    .replace(/%\{/g, () => '%%{');
}

/**
 * The same render done by a real `terraform` binary (an output of a provider-less root,
 * applied offline), or null when no terraform is on PATH.
 */
export function renderWithTerraform(file: string, vars: Record<string, string | number | boolean>): string | null {
  try {
    execFileSync('terraform', ['version'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'tf-templatefile-'));
  try {
    const entries = Object.entries(vars)
      .map(([key, value]) => `    ${key} = ${typeof value === 'string' ? hclString(value) : String(value)}`)
      .join('\n');
    writeFileSync(
      path.join(dir, 'main.tf'),
      `output "rendered" {\n  value = templatefile(${hclString(file)}, {\n${entries}\n  })\n}\n`
    );
    const env = { ...process.env, TF_IN_AUTOMATION: '1', TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1' };
    execFileSync('terraform', ['init', '-input=false', '-no-color'], { cwd: dir, env, stdio: 'ignore' });
    execFileSync('terraform', ['apply', '-auto-approve', '-input=false', '-no-color'], { cwd: dir, env, stdio: 'ignore' });
    return execFileSync('terraform', ['output', '-raw', 'rendered'], { cwd: dir, env, encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
