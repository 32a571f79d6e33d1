// Regenerates the inputs/outputs tables between the BEGIN_TF_DOCS/END_TF_DOCS markers of each
// module's README from its variables and outputs (what terraform-docs does, without the
// binary): node terraform/update-docs.mjs. A test (terraform/__tests__/structure.test.ts) fails
// while a table is stale (examples.test.ts for the examples). The modules and the examples are
// the folders of terraform/modules/ and terraform/examples/, found on disk.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '@cdktf/hcl2json';

const terraform = path.dirname(fileURLToPath(import.meta.url));
const folders = (parent) =>
  readdirSync(path.join(terraform, parent), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => `${parent}/${entry.name}`)
    .sort();
const dirs = ['.', 'bootstrap', ...folders('modules'), ...folders('examples')];
const cell = (text) => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');

for (const dir of dirs) {
  const variables = [];
  const outputs = [];
  for (const file of readdirSync(path.join(terraform, dir))
    .filter((f) => f.endsWith('.tf'))
    .sort()) {
    const parsed = await parse(file, readFileSync(path.join(terraform, dir, file), 'utf8'));
    for (const [name, [body]] of Object.entries(parsed.variable ?? {}))
      variables.push([name, body]);
    for (const [name, [body]] of Object.entries(parsed.output ?? {})) outputs.push([name, body]);
  }
  const heading = dir === '.' ? '###' : '##';
  let table = `<!-- BEGIN_TF_DOCS -->\n${heading} Inputs\n\n| name | description | type | default |\n| --- | --- | --- | --- |\n`;
  for (const [name, body] of variables.sort(([a], [b]) => a.localeCompare(b))) {
    const type = cell(String(body.type).replace(/^\$\{([\s\S]*)\}$/, '$1'));
    const fallback = 'default' in body ? `\`${cell(JSON.stringify(body.default))}\`` : 'required';
    table += `| \`${name}\` | ${cell(body.description)} | \`${type}\` | ${fallback} |\n`;
  }
  table += `\n${heading} Outputs\n\n| name | description |\n| --- | --- |\n`;
  for (const [name, body] of outputs.sort(([a], [b]) => a.localeCompare(b)))
    table += `| \`${name}\` | ${cell(body.description)} |\n`;
  table += '<!-- END_TF_DOCS -->\n';
  const readmePath = path.join(terraform, dir, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const start = readme.indexOf('<!-- BEGIN_TF_DOCS -->');
  const end = readme.indexOf('<!-- END_TF_DOCS -->');
  if (start < 0 || end < 0) throw new Error(`${readmePath}: no BEGIN_TF_DOCS/END_TF_DOCS markers`);
  writeFileSync(
    readmePath,
    readme.slice(0, start) + table + readme.slice(end + '<!-- END_TF_DOCS -->\n'.length)
  );
  process.stdout.write(
    `${path.join('terraform', dir, 'README.md')}: ${variables.length} inputs, ${outputs.length} outputs\n`
  );
}
