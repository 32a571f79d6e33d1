import { Ajv2019 } from 'ajv/dist/2019.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** compose/schema/compose-spec.json: the Compose Specification's schema (see schema/SOURCE.md). */
export const composeSchemaPath = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../schema/compose-spec.json'
);

/**
 * A validator for the Compose Specification. The schema is draft 2019-09 but still carries draft-04
 * `id` keywords, which Docker's own validator ignores and so does this one.
 * Its one custom format, `expose` (a port or port range), is implemented here.
 */
export function composeValidator(): (document: unknown) => string[] {
  const schema = JSON.parse(readFileSync(composeSchemaPath, 'utf8')) as object;
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  // Ajv refuses the draft-04 `id` outright; it carries nothing the validation needs.
  ajv.removeKeyword('id');
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  const validate = ajv.compile(schema);
  return (document: unknown) => {
    if (validate(document)) return [];
    return (validate.errors ?? []).map(
      (error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`
    );
  };
}
