/**
 * A table row as a source yields it, and how a cell is read. Its own module so that the
 * profile (which names the aggregates) and the aggregates (which read cells) both import it
 * without importing each other.
 */

export type Row = Record<string, unknown>;

/** Text of a cell ('' for null/undefined; dates as ISO 8601), trimmed. */
export function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  return JSON.stringify(value) ?? '';
}

/** A finite number from a cell, or undefined for null, empty, non-numeric or infinite values. */
export function finiteNumber(value: unknown): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  const raw = text(value);
  if (raw === '') return undefined;
  const parsed = Number(raw);
  return Number.isFinite(parsed) ? parsed : undefined;
}
