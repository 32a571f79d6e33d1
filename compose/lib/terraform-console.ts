import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TemplateValue } from './templatefile.js';

/** Whether a `terraform` binary is on PATH (it is optional: a fresh machine has none). */
export function terraformAvailable(): boolean {
  const result = spawnSync('terraform', ['version'], { encoding: 'utf8', timeout: 30_000 });
  return result.status === 0;
}

/** An HCL literal for a template variable's value. */
function hclLiteral(value: TemplateValue): string {
  // HCL string literals interpolate too: escape "${" and "%{" (a function replacement, since
  // "$$" in a replacement string means one "$").
  if (typeof value === 'string') {
    return JSON.stringify(value).replace(
      /([$%])\{/g,
      (_match, sigil: string) => `${sigil}${sigil}{`
    );
  }
  return String(value);
}

/**
 * Render a template with Terraform itself: `templatefile()` evaluated by `terraform console`
 * in an empty directory (no providers, so no init). The result is base64-encoded inside
 * Terraform so that the console's own quoting cannot alter it.
 */
export function renderWithTerraform(
  template: string,
  vars: Readonly<Record<string, TemplateValue>>
): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'templatefile-'));
  try {
    writeFileSync(path.join(dir, 'template.tftpl'), template);
    const map = Object.entries(vars)
      .map(([key, value]) => `${key} = ${hclLiteral(value)}`)
      .join(', ');
    const result = spawnSync('terraform', ['console'], {
      cwd: dir,
      input: `base64encode(templatefile("template.tftpl", { ${map} }))\n`,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' }
    });
    if (result.status !== 0) {
      throw new Error(`terraform console failed (${result.status}): ${result.stderr}`);
    }
    const encoded = (JSON.parse(result.stdout.trim()) as string).trim();
    return Buffer.from(encoded, 'base64').toString('utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
