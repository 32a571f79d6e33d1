/**
 * The variable names a templatefile() call passes, read from the HCL expression text (the
 * keys of its object argument at the top level), so the tests render with exactly the keys
 * main.tf gives Terraform.
 */
export function templatefileKeys(expression: string, marker: string): string[] {
  const start = expression.indexOf(marker);
  if (start < 0) throw new Error(`no ${marker} in the expression`);
  const open = expression.indexOf('{', start + marker.length - 1);
  const keys: string[] = [];
  let depth = 0;
  let inString = false;
  let lineStart = true;
  for (let i = open; i < expression.length; i += 1) {
    const char = expression[i];
    if (inString) {
      if (char === '\\') i += 1;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    else if (char === '{' || char === '(' || char === '[') depth += 1;
    else if (char === '}' || char === ')' || char === ']') {
      depth -= 1;
      if (depth === 0) break;
    } else if (char === '#' && depth >= 1) {
      // a comment runs to the end of the line
      const end = expression.indexOf('\n', i);
      i = end < 0 ? expression.length : end - 1;
      continue;
    }
    if (char === '\n') lineStart = true;
    else if (lineStart && char !== ' ' && char !== '\t') {
      lineStart = false;
      if (depth === 1) {
        const key = /^([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(expression.slice(i))?.[1];
        if (key) keys.push(key);
      }
    }
  }
  return keys;
}
