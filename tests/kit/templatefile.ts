/**
 * Terraform's `templatefile()`, for the templates the tests render: compose/compose.yml,
 * terraform/deploy.sh, the monitoring server's user data and the Prometheus templates in
 * monitoring/. It covers the subset of the template language they use: `${name}`
 * interpolations (with `~` strip markers) and the `$${` / `%%{` escapes. Anything else — an
 * expression, a function call, a `%{ }` directive — is rejected rather than guessed at, so a
 * template that outgrows this renderer fails loudly. When a real `terraform` binary is on PATH
 * the tests render with it too (`renderWithTerraform`) and compare.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A value Terraform can interpolate into a string: numbers and bools convert to strings. */
export type TemplateValue = string | number | boolean;

/** A template Terraform would refuse, or one this renderer does not support. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** "line:column" of an offset, 1-based, as Terraform reports template positions. */
function position(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `${before.length},${(before.at(-1)?.length ?? 0) + 1}`;
}

/** Terraform's string conversion of a primitive (numbers without a trailing ".0"). */
function toTemplateString(name: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new TemplateError(`Variable "${name}" is not a finite number.`);
    }
    return String(value);
  }
  if (value === null || value === undefined) {
    throw new TemplateError(
      `Invalid template interpolation value: the value of "${name}" is null.`
    );
  }
  throw new TemplateError(
    `Invalid template interpolation value: cannot include "${name}" in a string template: ` +
      'string required.'
  );
}

interface Piece {
  text: string;
  /** Strip whitespace at the end of the previous literal / start of the next one. */
  stripBefore?: boolean;
  stripAfter?: boolean;
}

/**
 * Render `template` (the text of `fileName`, used in messages) with `vars`, as
 * `templatefile(fileName, vars)` would.
 */
export function renderTemplatefile(
  template: string,
  vars: Readonly<Record<string, TemplateValue>>,
  fileName = 'template'
): string {
  for (const key of Object.keys(vars)) {
    if (!IDENTIFIER.test(key)) {
      throw new TemplateError(
        `Invalid template variable name "${key}": must start with a letter or underscore ` +
          'followed by letters, digits, underscores or dashes.'
      );
    }
  }
  const pieces: Piece[] = [];
  let literal = '';
  let i = 0;
  while (i < template.length) {
    const rest = template.slice(i, i + 3);
    if (rest === '$${' || rest === '%%{') {
      literal += rest.slice(1);
      i += 3;
      continue;
    }
    if (rest.startsWith('%{')) {
      throw new TemplateError(
        `${fileName}:${position(template, i)}: template directives (%{ ... }) are not ` +
          'supported by this renderer; write "%%{" for a literal "%{".'
      );
    }
    if (!rest.startsWith('${')) {
      literal += template[i];
      i += 1;
      continue;
    }
    const close = template.indexOf('}', i + 2);
    if (close === -1) {
      throw new TemplateError(`${fileName}:${position(template, i)}: unclosed "\${".`);
    }
    let inner = template.slice(i + 2, close);
    const stripBefore = inner.startsWith('~');
    const stripAfter = inner.endsWith('~');
    if (stripBefore) inner = inner.slice(1);
    if (stripAfter) inner = inner.slice(0, -1);
    const name = inner.trim();
    if (!IDENTIFIER.test(name)) {
      throw new TemplateError(
        `${fileName}:${position(template, i)}: only plain variable references are supported, ` +
          `got "\${${inner}}"; write "$\${" for a literal "\${".`
      );
    }
    if (!Object.prototype.hasOwnProperty.call(vars, name)) {
      throw new TemplateError(
        `Invalid function argument: vars map does not contain key "${name}", referenced at ` +
          `${fileName}:${position(template, i)}.`
      );
    }
    pieces.push({ text: literal });
    pieces.push({ text: toTemplateString(name, vars[name]), stripBefore, stripAfter });
    literal = '';
    i = close + 1;
  }
  pieces.push({ text: literal });

  // Strip markers. Terraform scans a literal as one token per line (each ending with its
  // newline), and a marker trims the whitespace of the adjacent token only: "${~" the last line
  // of the literal before (its newline included when it ends with one), "~}" the first line of
  // the literal after, up to and including its newline.
  for (let p = 1; p < pieces.length; p += 2) {
    const interpolation = pieces[p] as Piece;
    const before = pieces[p - 1] as Piece;
    const after = pieces[p + 1] as Piece;
    if (interpolation.stripBefore) {
      const text = before.text;
      const start = text.lastIndexOf('\n', text.endsWith('\n') ? text.length - 2 : undefined) + 1;
      before.text = text.slice(0, start) + text.slice(start).replace(/\s+$/, '');
    }
    if (interpolation.stripAfter) {
      const text = after.text;
      const newline = text.indexOf('\n');
      const end = newline === -1 ? text.length : newline + 1;
      after.text = text.slice(0, end).replace(/^\s+/, '') + text.slice(end);
    }
  }
  return pieces.map((piece) => piece.text).join('');
}

/** The variable names a template references, in order of first use. */
export function templateVariables(template: string): string[] {
  const names: string[] = [];
  const withoutEscapes = template.replace(/\$\$\{/g, '');
  for (const match of withoutEscapes.matchAll(/\$\{~?\s*([A-Za-z_][A-Za-z0-9_-]*)\s*~?\}/g)) {
    const name = match[1] as string;
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

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
