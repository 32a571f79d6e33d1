/**
 * Renders a Terraform template file the way `templatefile()` does for the simple templates in
 * monitoring/: `${name}` interpolations of plain variables, `$${` and `%%{` escapes. Anything
 * else (expressions, `%{ }` directives) is refused, so a template that would need real
 * Terraform to render is noticed here rather than on the monitoring server.
 */

const TOKEN = /\$\$\{|%%\{|\$\{([^}]*)\}|%\{/g;

/** A template that cannot be rendered with the given variables, as Terraform would refuse it. */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** The names of the variables a template interpolates, in order of first use. */
export function templateVariables(template: string): string[] {
  const names: string[] = [];
  for (const match of template.matchAll(TOKEN)) {
    const name = match[1]?.trim();
    if (name !== undefined && !names.includes(name)) names.push(name);
  }
  return names;
}

/**
 * Substitutes every `${name}` with `vars[name]` and unescapes `$${`/`%%{`. Throws a
 * TemplateError naming the variable when one is missing (Terraform: "vars map does not contain
 * key") or when the template uses something beyond plain variables.
 */
export function renderTerraformTemplate(template: string, vars: Record<string, string>): string {
  return template.replace(TOKEN, (token: string, inner: string | undefined) => {
    if (token === '$${') return '${';
    if (token === '%%{') return '%{';
    if (token === '%{') throw new TemplateError('template directives (%{ ... }) are not supported');
    const name = (inner ?? '').trim();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new TemplateError(`"\${${name}}" is an expression, not a plain variable`);
    }
    const value = vars[name];
    if (value === undefined) throw new TemplateError(`vars map does not contain key "${name}"`);
    return value;
  });
}
