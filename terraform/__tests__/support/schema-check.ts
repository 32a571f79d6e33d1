import { bodies, isBody, type Block, type Body } from './hcl.js';
import { META_ARGUMENTS, type Schema, type SchemaExtract } from './provider-schema.js';

/** The schema key of a block: `resource.aws_instance`, `data.aws_ami`. */
export function schemaKey(block: Pick<Block, 'kind' | 'type'>): string {
  return `${block.kind}.${block.type}`;
}

function checkBody(
  where: string,
  body: Body,
  schema: Schema,
  extract: SchemaExtract,
  topLevel: boolean
): string[] {
  const problems: string[] = [];
  const present = new Set<string>();
  for (const [key, value] of Object.entries(body)) {
    if (topLevel && META_ARGUMENTS.has(key)) continue;
    if (key === 'dynamic') {
      // dynamic "name" { for_each = ...; content { ... } }: name must be a nested block.
      if (!isBody(value)) continue;
      for (const [name, list] of Object.entries(value)) {
        const argument = schema[name];
        if (!argument?.block) {
          problems.push(`${where}: dynamic "${name}" is not a nested block of this type`);
          continue;
        }
        present.add(name);
        for (const dynamic of bodies(list)) {
          for (const content of bodies(dynamic.content)) {
            problems.push(
              ...checkBody(
                `${where}.${name}`,
                content,
                extract.types[argument.block] ?? {},
                extract,
                false
              )
            );
          }
        }
      }
      continue;
    }
    const argument = schema[key];
    if (!argument) {
      problems.push(`${where}: unknown argument "${key}"`);
      continue;
    }
    present.add(key);
    if (argument.block && Array.isArray(value)) {
      const nested = extract.types[argument.block] ?? {};
      for (const inner of bodies(value))
        problems.push(...checkBody(`${where}.${key}`, inner, nested, extract, false));
    }
  }
  for (const [name, argument] of Object.entries(schema)) {
    if (argument.required && !present.has(name))
      problems.push(`${where}: missing required argument "${name}"`);
  }
  return problems;
}

/**
 * Check a resource's or data source's arguments, nested blocks and required arguments against
 * the provider's schema. Returns one message per problem (empty when the block is right).
 */
export function checkBlock(block: Block, extract: SchemaExtract): string[] {
  const where = `${block.file}: ${block.kind === 'data' ? 'data.' : ''}${block.type}.${block.name}`;
  const schema = extract.types[schemaKey(block)];
  if (!schema)
    return [
      `${where}: the AWS provider ${extract.providerVersion} has no ${block.kind} type "${block.type}"`
    ];
  return checkBody(where, block.body, schema, extract, true);
}
