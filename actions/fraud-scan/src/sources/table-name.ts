import { ConfigurationError } from '../../../shared/src/errors.js';

/**
 * A table name safe to put into SQL: identifiers only (optionally schema-qualified), quoted.
 * Table names cannot be bound as parameters, so anything else is refused.
 */
export function quotedTable(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(name)) {
    throw new ConfigurationError(
      `Table name "${name}" is not a plain identifier (letters, digits, _ and an optional schema.).`
    );
  }
  return name
    .split('.')
    .map((part) => `"${part}"`)
    .join('.');
}
