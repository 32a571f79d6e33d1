import type { Row } from './row.js';
import { text } from './row.js';

/**
 * Cross-row features (cards per user, attempts per card per hour, a user's usual country)
 * declared once and computed either here, in memory, or by the database (PostgreSQL or SQLite)
 * with GROUP BY. The in-memory form holds one entry per distinct key, so it grows with the
 * table; the database form keeps the scan's own memory flat (the database aggregates, spilling
 * to disk as it needs).
 * Both follow the same rules, which a test checks on one table: a key whose part is empty is
 * not counted and reads as 0, and a mode's ties go to the smallest value.
 */

export type Dialect = 'pg' | 'sqlite';

/** One part of a key: read from a row in JavaScript, and the same as SQL in each dialect. */
export interface KeyPart {
  js(row: Row): string;
  /** A text expression over the table's columns; NULL where `js` gives ''. */
  pg: string;
  sqlite: string;
}

export type AggregateSpec =
  /** Rows per key (optionally only rows where `when` holds). */
  | {
      name: string;
      kind: 'count';
      key: readonly KeyPart[];
      when?: { js(row: Row): boolean; pg: string; sqlite: string };
    }
  /** Distinct non-empty values per key. */
  | { name: string; kind: 'distinct'; key: readonly KeyPart[]; value: KeyPart }
  /** The most frequent non-empty value per key, ties to the smallest. */
  | { name: string; kind: 'mode'; key: readonly KeyPart[]; value: KeyPart };

/** What a profile's `extract` reads its cross-row features from. */
export interface AggregateView {
  /** A count or distinct aggregate for the row's key: 0 when the key is empty or unseen. */
  count(name: string, row: Row): number;
  /** A mode aggregate for the row's key: '' when the key is empty or unseen. */
  mode(name: string, row: Row): string;
}

/** The in-memory form, fed every row in a first pass. */
export interface Aggregate extends AggregateView {
  add(row: Row): void;
}

/**
 * A column's trimmed text, NULL when empty — the same SQL in both dialects. The quoted name is
 * safe: columns are the profile's own.
 */
export function column(name: string, transform: 'none' | 'lower' | 'upper' = 'none'): KeyPart {
  const trimmed = `trim(CAST("${name}" AS TEXT))`;
  const sql = `NULLIF(${transform === 'none' ? trimmed : `${transform}(${trimmed})`}, '')`;
  return {
    js: (row) => {
      const value = text(row[name]);
      if (transform === 'lower') return value.toLowerCase();
      return transform === 'upper' ? value.toUpperCase() : value;
    },
    pg: sql,
    sqlite: sql
  };
}

/** The key's parts joined, or undefined when a part is empty (such rows count nowhere). */
function keyOf(parts: readonly KeyPart[], row: Row): string | undefined {
  let key = '';
  for (const [i, part] of parts.entries()) {
    const value = part.js(row);
    if (value === '') return undefined;
    key = i === 0 ? value : `${key}\u0001${value}`;
  }
  return key;
}

type Cell = number | string | Set<string>;

/** One map per aggregate; a distinct counter keeps a lone value inline and makes a Set only for a second one. */
class MemoryAggregate implements Aggregate {
  private readonly maps = new Map<string, Map<string, Cell>>();
  private readonly modes = new Map<string, Map<string, { value: string; n: number }>>();
  private readonly byName = new Map<string, AggregateSpec>();

  constructor(private readonly specs: readonly AggregateSpec[]) {
    for (const spec of specs) {
      this.byName.set(spec.name, spec);
      this.maps.set(spec.name, new Map());
      if (spec.kind === 'mode') this.modes.set(spec.name, new Map());
    }
  }

  add(row: Row): void {
    for (const spec of this.specs) {
      const key = keyOf(spec.key, row);
      if (key === undefined) continue;
      const map = this.maps.get(spec.name) as Map<string, Cell>;
      if (spec.kind === 'count') {
        if (spec.when && !spec.when.js(row)) continue;
        map.set(key, ((map.get(key) as number | undefined) ?? 0) + 1);
        continue;
      }
      const value = spec.value.js(row);
      if (value === '') continue;
      if (spec.kind === 'distinct') {
        const current = map.get(key) as string | Set<string> | undefined;
        if (current === undefined) map.set(key, value);
        else if (typeof current === 'string') {
          if (current !== value) map.set(key, new Set([current, value]));
        } else current.add(value);
        continue;
      }
      const pairKey = `${key}\u0002${value}`;
      const n = ((map.get(pairKey) as number | undefined) ?? 0) + 1;
      map.set(pairKey, n);
      const modes = this.modes.get(spec.name) as Map<string, { value: string; n: number }>;
      const best = modes.get(key);
      // Counts only grow, so keeping the leader as we go gives the final mode.
      if (!best || n > best.n || (n === best.n && value < best.value)) modes.set(key, { value, n });
    }
  }

  count(name: string, row: Row): number {
    const spec = this.spec(name);
    const key = keyOf(spec.key, row);
    if (key === undefined) return 0;
    const cell = (this.maps.get(name) as Map<string, Cell>).get(key);
    if (cell === undefined) return 0;
    if (typeof cell === 'number') return cell;
    return typeof cell === 'string' ? 1 : cell.size;
  }

  mode(name: string, row: Row): string {
    const key = keyOf(this.spec(name).key, row);
    if (key === undefined) return '';
    return this.modes.get(name)?.get(key)?.value ?? '';
  }

  private spec(name: string): AggregateSpec {
    const spec = this.byName.get(name);
    if (!spec) throw new Error(`no aggregate named ${name}`);
    return spec;
  }
}

export function memoryAggregate(specs: readonly AggregateSpec[]): Aggregate {
  return new MemoryAggregate(specs);
}

/** The column a database-computed aggregate arrives in. */
export const aggregateColumn = (name: string): string => `__fraud_scan_${name}`;

/** Reads aggregates from the columns the database added to each row (see postgresAggregateQuery). */
export const columnAggregates: AggregateView = {
  count(name, row) {
    const value = row[aggregateColumn(name)];
    if (value === null || value === undefined) return 0;
    return Number(value);
  },
  mode(name, row) {
    return text(row[aggregateColumn(name)]);
  }
};

/**
 * Which rows a query returns and which rows their aggregates count: SQL conditions over the
 * table's own columns (they may hold the source's bind parameters). An incremental scan
 * returns the rows since its watermark and counts a window before it, so a new row's "5th
 * card on this account" still sees the account's four cards of last week.
 */
export interface RowFilter {
  rows: string;
  context: string;
}

/**
 * One query that returns every row of the table (or those `filter.rows` selects) with each
 * aggregate as an extra column: a GROUP BY per aggregate over the table (or `filter.context`),
 * joined back on its key. `table` and `orderBy` arrive quoted (or `rowid`).
 */
export function aggregateQuery(
  dialect: Dialect,
  table: string,
  orderBy: string,
  specs: readonly AggregateSpec[],
  filter?: RowFilter
): string {
  const contextWhere = (conditions: string[]): string =>
    [...conditions, ...(filter ? [`(${filter.context})`] : [])].join(' AND ');
  const sql = (part: { pg: string; sqlite: string }): string => part[dialect];
  // Code-point order, as JavaScript's < compares these strings.
  const binary = dialect === 'pg' ? 'COLLATE "C"' : 'COLLATE BINARY';
  // Each distinct key expression is computed once per row, in a derived table.
  const keyColumns = new Map<string, string>();
  const keyColumn = (part: KeyPart): string => {
    let name = keyColumns.get(sql(part));
    if (!name) {
      name = `__fraud_scan_key_${keyColumns.size}`;
      keyColumns.set(sql(part), name);
    }
    return name;
  };
  const joins: string[] = [];
  const selected: string[] = [];
  specs.forEach((spec, i) => {
    const alias = `a${i}`;
    const keys = spec.key.map((part, j) => `${sql(part)} AS k${j}`).join(', ');
    const ks = spec.key.map((_, j) => `k${j}`).join(', ');
    const groupBy = spec.key.map((_, j) => j + 1).join(', ');
    const notNull = spec.key.map((part) => `(${sql(part)}) IS NOT NULL`);
    let sub: string;
    if (spec.kind === 'count') {
      const where = contextWhere([...notNull, ...(spec.when ? [`(${sql(spec.when)})`] : [])]);
      sub = `SELECT ${keys}, count(*) AS v FROM ${table} WHERE ${where} GROUP BY ${groupBy}`;
    } else if (spec.kind === 'distinct') {
      const where = contextWhere([...notNull, `(${sql(spec.value)}) IS NOT NULL`]);
      sub = `SELECT ${keys}, count(DISTINCT ${sql(spec.value)}) AS v FROM ${table} WHERE ${where} GROUP BY ${groupBy}`;
    } else {
      const where = contextWhere([...notNull, `(${sql(spec.value)}) IS NOT NULL`]);
      // The most frequent value per key, ties to the smallest: the first in this order.
      sub =
        `SELECT ${ks}, m AS v FROM (SELECT ${ks}, m, row_number() OVER (PARTITION BY ${ks} ORDER BY n DESC, m ${binary}) AS r FROM ` +
        `(SELECT ${keys}, ${sql(spec.value)} AS m, count(*) AS n FROM ${table} WHERE ${where} GROUP BY ${groupBy}, ${spec.key.length + 1}) AS counted) AS ranked WHERE r = 1`;
    }
    const on = spec.key.map((part, j) => `${alias}.k${j} = t.${keyColumn(part)}`).join(' AND ');
    joins.push(`LEFT JOIN (${sub}) AS ${alias} ON ${on}`);
    selected.push(`${alias}.v AS ${aggregateColumn(spec.name)}`);
  });
  const keyList = [...keyColumns.entries()].map(([expr, name]) => `, ${expr} AS ${name}`);
  return [
    `SELECT t.*${selected.map((s) => `, ${s}`).join('')}`,
    // The order column is selected here because SQLite's rowid does not come with s.*.
    `FROM (SELECT s.*, s.${orderBy} AS __fraud_scan_order${keyList.join('')} FROM ${table} AS s${filter ? ` WHERE ${filter.rows}` : ''}) AS t`,
    ...joins,
    'ORDER BY t.__fraud_scan_order'
  ].join('\n');
}
