import type { Row } from './row.js';
import { text } from './row.js';

/**
 * Cross-row features (cards per user, attempts per card per hour, a user's usual country)
 * declared once and computed either here, in memory, or by the database: PostgreSQL groups them
 * into TEMP tables per key and joins them to the rows as it sends them (postgresTablePlan);
 * SQLite, and a PostgreSQL role without TEMP, use window functions in the query that reads the
 * rows (aggregateQuery). The in-memory form holds one entry per distinct key, so it grows with
 * the table; the database forms keep the scan's own memory flat (the database groups and sorts,
 * spilling to disk as it needs).
 * All three follow the same rules, which a test checks on one table: a key whose part is empty is
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
      tally?: Tally;
    }
  /** Distinct non-empty values per key. */
  | { name: string; kind: 'distinct'; key: readonly KeyPart[]; value: KeyPart; tally?: Tally }
  /** The most frequent non-empty value per key, ties to the smallest. */
  | { name: string; kind: 'mode'; key: readonly KeyPart[]; value: KeyPart; tally?: Tally };

/**
 * Where the shop's running counts (features/tallies.ts) hold an aggregate over the whole table:
 * - `key`: one column of the key's row in fraud_key_tally (kind 0 user, 1 card, 2 IP).
 * - `pair`: the row count of a (key, other) pair in fraud_pair_tally (kind 3 card × clock
 *   hour), keyed by the spec's two key parts.
 * - `pairs`: over the pairs of the key (kind 2 user × country): how many there are (a distinct
 *   count) or the most frequent other, ties to the smallest (a mode).
 */
export type Tally =
  | { table: 'key'; kind: number; column: 'attempts' | 'declines' | 'distinct_a' | 'distinct_b' }
  | { table: 'pair'; kind: number }
  | { table: 'pairs'; kind: number; of: 'count' | 'mode' };

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

const columnNames = new Map<string, string>();

/**
 * The column a database-computed aggregate arrives in. Made once per name: a name built per
 * read (11 per row) cost a scan of 1,000,000 rows about 1.1 s in lookups of fresh strings, plus
 * their garbage.
 */
export function aggregateColumn(name: string): string {
  let column = columnNames.get(name);
  if (column === undefined) {
    column = `__fraud_scan_${name}`;
    columnNames.set(name, column);
  }
  return column;
}

/** Reads aggregates from the columns the database added to each row (see aggregateQuery). */
export const columnAggregates: AggregateView = {
  count(name, row) {
    const value = row[aggregateColumn(name)];
    if (value === null || value === undefined) return 0;
    return typeof value === 'number' ? value : Number(value);
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
 * The conditions of an incremental read in a dialect, with the values they bind: each value is
 * bound only where a condition uses it (PostgreSQL infers every parameter's type from its use),
 * numbered as bound. No window start (`all`): the aggregates count every row.
 */
export function sinceFilter(
  dialect: Dialect,
  // sources/watermark.ts's Since, by shape: features do not import sources.
  since: { from: Date; afterId: string | null; contextFrom: Date | null }
): { filter: RowFilter; values: unknown[] } {
  const values: unknown[] = [];
  const bind = (value: unknown): string => `${dialect === 'pg' ? '$' : '?'}${values.push(value)}`;
  const atOrAfter = (param: string): string =>
    dialect === 'pg'
      ? `"created_at" >= ${param}::timestamptz`
      : `julianday("created_at") >= julianday(${param})`;
  const from = bind(since.from.toISOString());
  const context = since.contextFrom && bind(since.contextFrom.toISOString());
  // SQLite compares an integer id with a bound BigInt; PostgreSQL casts the text to the column's type.
  const afterId = dialect === 'pg' ? since.afterId : since.afterId && BigInt(since.afterId);
  const byId = since.afterId === null ? '' : ` OR "id" > ${bind(afterId)}`;
  return {
    filter: {
      rows: `(${atOrAfter(from)}${byId})`,
      context: context ? `(${atOrAfter(context)}${byId})` : 'TRUE'
    },
    values
  };
}

/** Each distinct SQL expression gets one column name (`__fs_c0`, …), in the order first asked. */
function namedExpressions(): {
  projected: Map<string, string>;
  col: (expression: string) => string;
} {
  const projected = new Map<string, string>();
  return {
    projected,
    col: (expression) => {
      let name = projected.get(expression);
      if (!name) {
        name = `__fs_c${projected.size}`;
        projected.set(expression, name);
      }
      return name;
    }
  };
}

/**
 * One query that returns every row of the table (or those `filter.rows` selects) with each
 * aggregate as an extra column. `table` and `orderBy` arrive quoted (or `rowid`).
 *
 * The aggregates are window functions over a narrow projection of the counted rows (the order
 * column, the key and value expressions, the `when` conditions), joined back to the table once,
 * on the order column. No join on a computed key: PostgreSQL keeps no statistics for such
 * expressions and, joining one GROUP BY per aggregate back on them, estimated 10^26 rows at
 * 200,000 and chose nested loops even with enable_nestloop off (a 200,000-row scan still running
 * after 10 minutes). Here the only join is on the order column (the primary key), which it
 * estimates right. Two layers:
 *  1. per (key, value) pair: a flag on one row of each pair (distinct counts count the flags; a
 *     pair shared by two aggregates, cards per user and users per card, is flagged once) and
 *     the pair's row count (for a mode);
 *  2. per key: one window per key (ordered for its mode, whole-partition frame), holding every
 *     aggregate of that key, so rows are sorted once per key rather than once per aggregate.
 */
export function aggregateQuery(
  dialect: Dialect,
  table: string,
  orderBy: string,
  specs: readonly AggregateSpec[],
  filter?: RowFilter
): string {
  // Layer 0: each distinct expression computed once per counted row, as a named column.
  const { projected, col } = namedExpressions();
  // Keys and values compare in code-point order, as JavaScript's < does: PostgreSQL's "C"
  // (memcmp; the database's own collation gives the same partitions several times slower),
  // SQLite's BINARY.
  const text = (part: KeyPart): string =>
    col(dialect === 'pg' ? `(${part.pg}) COLLATE "C"` : `(${part.sqlite}) COLLATE BINARY`);
  const allPresent = (cols: readonly string[]): string =>
    cols.map((c) => `${c} IS NOT NULL`).join(' AND ');
  // Layer 1: a flag on one row of each (key, value) pair, or the pair's row count; one column
  // per pair, whichever way round the aggregates name it.
  const pairColumns = new Map<string, { name: string; sql: string }>();
  const pairColumn = (kind: 'first' | 'count', cols: readonly string[]): string => {
    const set = [...cols].sort();
    const id = `${kind}:${set.join(',')}`;
    let entry = pairColumns.get(id);
    if (!entry) {
      const over = `OVER (PARTITION BY ${set.join(', ')})`;
      const name = `__fs_p${pairColumns.size}`;
      const value = kind === 'first' ? `1 END` : `count(*) ${over} END`;
      const first = kind === 'first' ? ` AND row_number() ${over} = 1` : '';
      entry = { name, sql: `CASE WHEN ${allPresent(set)}${first} THEN ${value} AS ${name}` };
      pairColumns.set(id, entry);
    }
    return entry.name;
  };
  // Layer 2: one window per key, ordered by its mode when it has one, so the key's rows are
  // sorted once for all its aggregates; the whole partition is every aggregate's frame.
  const whole = 'ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING';
  const windows = new Map<string, string>();
  const window = (keys: readonly string[], order: string): string => {
    const definition = `PARTITION BY ${keys.join(', ')}${order ? ` ORDER BY ${order}` : ''} ${whole}`;
    let name = windows.get(definition);
    if (!name) {
      name = `__fs_w${windows.size}`;
      windows.set(definition, name);
    }
    return name;
  };
  const keysOf = (spec: AggregateSpec): string[] => spec.key.map(text);
  const modeOrder = (spec: AggregateSpec & { kind: 'mode' }): string => {
    const value = text(spec.value);
    // The most frequent value per key, ties to the smallest: the first in this order.
    return `${pairColumn('count', [...keysOf(spec), value])} DESC NULLS LAST, ${value}`;
  };
  // A key's first mode orders its window; the counts of that key share it.
  const orderOfKey = new Map<string, string>();
  for (const spec of specs) {
    const id = keysOf(spec).join(',');
    if (spec.kind === 'mode' && !orderOfKey.has(id)) orderOfKey.set(id, modeOrder(spec));
  }
  const selected = specs.map((spec) => {
    const keys = keysOf(spec);
    let value: string;
    let order = orderOfKey.get(keys.join(',')) ?? '';
    if (spec.kind === 'count') {
      value = spec.when
        ? `count(CASE WHEN ${col(`(${spec.when[dialect]})`)} THEN 1 END)`
        : 'count(*)';
    } else if (spec.kind === 'distinct') {
      value = `count(${pairColumn('first', [...keys, text(spec.value)])})`;
    } else {
      order = modeOrder(spec);
      value = `first_value(${text(spec.value)})`;
    }
    const over = window(keys, order);
    // Counts as INTEGER: PostgreSQL's bigint reaches pg as text, checked by a regular
    // expression per cell, then read with Number().
    const cell =
      spec.kind === 'mode' ? `${value} OVER ${over}` : `CAST(${value} OVER ${over} AS INTEGER)`;
    return `CASE WHEN ${allPresent(keys)} THEN ${cell} END AS ${aggregateColumn(spec.name)}`;
  });
  const counted = [
    `${orderBy} AS __fs_order`,
    ...[...projected.entries()].map(([expression, name]) => `${expression} AS ${name}`)
  ];
  const pairs = [...pairColumns.values()].map((p) => `, ${p.sql}`).join('');
  const windowList = [...windows.entries()].map(
    ([definition, name]) => `${name} AS (${definition})`
  );
  let source = `(SELECT ${counted.join(', ')} FROM ${table}) AS counted`;
  const prelude: string[] = [];
  if (filter) {
    // An incremental read needs the aggregates of the new rows' keys only: of the window's
    // rows, those that share a key with a new row (every row of each such key, so its counts
    // and mode are whole). The sorts then grow with the new rows' accounts, cards and IPs, not
    // with the window. A key of several parts is matched on its first (a superset of its rows).
    // Joins to each key's DISTINCT new values, not `IN (subquery)`: PostgreSQL hashes an IN
    // only when it expects the new keys to fit work_mem and otherwise rescans them for every
    // window row (a (card, hour) IN took minutes at 200,000 rows).
    const firstParts = [...new Set(specs.map((spec) => keysOf(spec)[0] as string))];
    const sharing = firstParts.map(
      (c) =>
        `SELECT counted.__fs_order FROM counted JOIN (SELECT DISTINCT ${c} FROM counted WHERE __fs_new) AS n USING (${c})`
    );
    prelude.push(
      `WITH counted AS (SELECT ${counted.join(', ')}, (${filter.rows}) AS __fs_new FROM ${table} WHERE ${filter.context}),`,
      `kept AS (SELECT DISTINCT __fs_order FROM (SELECT __fs_order FROM counted WHERE __fs_new UNION ALL ${sharing.join(' UNION ALL ')}) AS o)`
    );
    source = `(SELECT counted.* FROM counted JOIN kept USING (__fs_order)) AS kept`;
  }
  return [
    ...prelude,
    `SELECT s.*${specs.map((spec) => `, a.${aggregateColumn(spec.name)}`).join('')}`,
    `FROM ${table} AS s JOIN (`,
    `  SELECT __fs_order, ${selected.join(', ')}`,
    `  FROM (SELECT *${pairs}`,
    `    FROM ${source}`,
    `  ) AS paired`,
    `  WINDOW ${windowList.join(', ')}`,
    `) AS a ON a.__fs_order = s.${orderBy}`,
    ...(filter ? [`WHERE ${filter.rows}`] : []),
    `ORDER BY s.${orderBy}`
  ].join('\n');
}

/**
 * A PostgreSQL read in three steps, in one REPEATABLE READ transaction of one session (see
 * postgresTablePlan). Statements take the source's bind parameters only where noted.
 */
export interface TablePlan {
  /** Run once, in order; only `parameterised` ones take the source's bind parameters. */
  setup: { sql: string; parameterised: boolean }[];
  /**
   * The smallest order value of the rows to return (an incremental read; NULL when none); when
   * `parameterised`, it takes the source's bind parameters.
   */
  firstOrder?: { sql: string; parameterised: boolean };
  /**
   * One statement for every row to return with its aggregates (for an incremental read, those
   * from `firstOrder` on, which is then its last bind parameter): `ordered`, by the order
   * column; else in whatever order the server produces them (no sort before the first row).
   */
  rows(columns: readonly string[], parameters: number, ordered: boolean): string;
}

/** A key table asked of postgresTablePlan's `keyTableFrom`: its columns' names and aggregates. */
export interface KeyTableRequest {
  /** The key's columns, as the rows join on them (text in COLLATE "C"). */
  cols: readonly string[];
  specs: readonly AggregateSpec[];
  /** Each spec's column, in the same order. */
  columns: readonly string[];
}

/**
 * The aggregates computed first, per key, into TEMP tables, and the rows then read `limit` at
 * a time joined to them, so rows reach the scan while the database works on the next ones.
 * PostgreSQL only (a role without TEMP, a read-only session and SQLite run aggregateQuery).
 *
 * 1. `__fs_counted`: the counted rows' key, value and condition expressions, computed once.
 * 2. One table per key (`GROUP BY` the key; count, count FILTER, count DISTINCT, mode) holding
 *    only keys of two rows or more: a key's lone row is its own aggregate (count 1, a distinct
 *    count of 1 or 0, its own value as the mode), so a key that is nearly unique per row (a card
 *    in one clock hour) does not make a table as large as the rows. ANALYZE gives the planner
 *    their sizes, so each joins by hash (computed keys without statistics got 10^26-row
 *    estimates and nested loops).
 * 3. Every row in one statement, joined to the key tables by hash: the server builds each key's
 *    hash table once and streams the rows as it joins them, while the scan scores those before.
 *    A scan takes them in the server's order; training asks for them ordered (its sample and
 *    split follow the order rows come in), and the server sorts them first. (Chunks in id order,
 *    each joined and sorted on its own, rebuilt the hash tables per chunk and sorted every row:
 *    on the shop's 1,000,000-row table the server's work fell from 8.7 s in 40 chunks to 6.1 s
 *    in one statement, docs/benchmarks.md.) The key tables still come first (about 5 s for
 *    1,000,000 rows when grouped, 0.5 s copied from the shop's counts): no row's aggregates are
 *    known before.
 */
export function postgresTablePlan(
  table: string,
  orderBy: string,
  specs: readonly AggregateSpec[],
  filter?: RowFilter,
  /**
   * Where a key's table can be read from instead of grouped (features/tallies.ts): a SELECT
   * giving the key's columns, then its aggregates' columns, for keys of two rows or more. For
   * full reads only; the rows are counted (`__fs_counted`) only for the keys it has none for.
   */
  keyTableFrom?: (key: KeyTableRequest) => string | undefined
): TablePlan {
  if (filter && keyTableFrom) throw new Error('key tables read from elsewhere are for full reads');
  const { projected, col } = namedExpressions();
  // Code-point order, as JavaScript's < (the mode's ties), and memcmp-fast groups.
  const text = (part: KeyPart): string => col(`(${part.pg}) COLLATE "C"`);
  const present = (cols: readonly string[], alias = ''): string =>
    cols.map((c) => `${alias}${c} IS NOT NULL`).join(' AND ');
  interface Key {
    table: string;
    cols: string[];
    /** Per aggregate: its column, its SQL over the group, its value for a row alone. */
    aggregates: { spec: AggregateSpec; column: string; group: string; alone: string }[];
  }
  const keys = new Map<string, Key>();
  for (const spec of specs) {
    const cols = spec.key.map(text);
    const id = cols.join(',');
    let key = keys.get(id);
    if (!key) {
      key = { table: `__fs_k${keys.size}`, cols, aggregates: [] };
      keys.set(id, key);
    }
    let group: string;
    let alone: string;
    if (spec.kind === 'count') {
      const when = spec.when ? col(`(${spec.when.pg})`) : undefined;
      group = when ? `count(*) FILTER (WHERE ${when})` : 'count(*)';
      alone = when ? `CASE WHEN s.${when} THEN 1 ELSE 0 END` : '1';
    } else if (spec.kind === 'distinct') {
      const value = text(spec.value);
      group = `count(DISTINCT ${value})`;
      alone = `CASE WHEN s.${value} IS NULL THEN 0 ELSE 1 END`;
    } else {
      // The most frequent non-NULL value, ties to the first in the order: the smallest.
      const value = text(spec.value);
      group = `mode() WITHIN GROUP (ORDER BY ${value})`;
      alone = `s.${value}`;
    }
    key.aggregates.push({ spec, column: `__fs_a${key.aggregates.length}`, group, alone });
  }
  const expressions = [...projected.entries()].map(([e, name]) => `${e} AS ${name}`);
  const setup: TablePlan['setup'] = [];
  const readFrom = new Map<Key, string>();
  for (const key of keys.values()) {
    const sql = keyTableFrom?.({
      cols: key.cols,
      specs: key.aggregates.map((a) => a.spec),
      columns: key.aggregates.map((a) => a.column)
    });
    if (sql) readFrom.set(key, sql);
  }
  if (readFrom.size === keys.size) {
    // Every key table is read from elsewhere: the rows need not be counted.
  } else if (filter) {
    // Parameters reach an INSERT, not a CREATE TABLE AS: the shape first, then the rows.
    setup.push(
      {
        sql: `CREATE TEMP TABLE __fs_counted ON COMMIT DROP AS SELECT ${orderBy} AS __fs_order, ${expressions.join(', ')}, true AS __fs_new FROM ${table} WITH NO DATA`,
        parameterised: false
      },
      {
        sql: `INSERT INTO __fs_counted SELECT ${orderBy}, ${expressions.join(', ')}, (${filter.rows}) FROM ${table} WHERE ${filter.context}`,
        parameterised: true
      }
    );
  } else {
    setup.push({
      sql: `CREATE TEMP TABLE __fs_counted ON COMMIT DROP AS SELECT ${expressions.join(', ')} FROM ${table}`,
      parameterised: false
    });
  }
  for (const key of keys.values()) {
    // An incremental read needs the keys of the new rows only, so a night's groups grow with
    // its own accounts, cards and IPs rather than with the window (a hashed join to them).
    const only = filter
      ? ` JOIN (SELECT DISTINCT ${key.cols.join(', ')} FROM __fs_counted WHERE __fs_new AND ${present(key.cols)}) AS n USING (${key.cols.join(', ')})`
      : '';
    const aggregates = key.aggregates.map((a) => `, ${a.group} AS ${a.column}`).join('');
    const grouped = `SELECT ${key.cols.join(', ')}${aggregates} FROM __fs_counted${only} WHERE ${present(key.cols)} GROUP BY ${key.cols.join(', ')} HAVING count(*) > 1`;
    setup.push(
      {
        sql: `CREATE TEMP TABLE ${key.table} ON COMMIT DROP AS ${readFrom.get(key) ?? grouped}`,
        parameterised: false
      },
      { sql: `ANALYZE ${key.table}`, parameterised: false }
    );
  }
  const keyList = [...keys.values()];
  const selected = specs.map((spec) => {
    const key = keyList.find((k) => k.aggregates.some((a) => a.spec === spec)) as Key;
    const a = key.aggregates.find((x) => x.spec === spec) as Key['aggregates'][number];
    // A NULL column means the key's group is this row alone (a group's count is never NULL,
    // and its mode is NULL only when every value is, this row's too).
    const value = `coalesce(${key.table}.${a.column}, ${a.alone})`;
    // Counts as INTEGER, as in aggregateQuery.
    const cell = spec.kind === 'mode' ? value : `CAST(${value} AS INTEGER)`;
    return `CASE WHEN ${present(key.cols, 's.')} THEN ${cell} END AS ${aggregateColumn(spec.name)}`;
  });
  const joins = keyList.map(
    (k) => `LEFT JOIN ${k.table} ON ${k.cols.map((c) => `${k.table}.${c} = s.${c}`).join(' AND ')}`
  );
  return {
    setup,
    firstOrder: filter
      ? { sql: `SELECT min(__fs_order) FROM __fs_counted WHERE __fs_new`, parameterised: false }
      : undefined,
    rows: rowsQuery(table, orderBy, filter, expressions, selected, joins)
  };
}

/**
 * TablePlan.rows for a plan whose rows (`s`, with the named `expressions` beside the table's
 * columns) are joined to its aggregates by `joins` and given `selected` cells.
 */
export function rowsQuery(
  table: string,
  orderBy: string,
  filter: RowFilter | undefined,
  expressions: readonly string[],
  selected: readonly string[],
  joins: readonly string[]
): TablePlan['rows'] {
  return (columns, parameters, ordered) => {
    const conditions: string[] = [];
    // The context too: every row returned is then one the aggregates counted (and each bind
    // parameter is used, so PostgreSQL knows its type). The first new row's order value lets
    // the primary key's index find where a night's rows begin.
    if (filter) conditions.push(filter.context, filter.rows, `${orderBy} >= $${parameters + 1}`);
    const where = conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '';
    const quoted = columns.map((c) => `s."${c.replace(/"/g, '""')}"`);
    // OFFSET 0 keeps the subquery whole: pulled up into the joins, each key expression was
    // computed again wherever the cells name it (10.0 s against 6.1 s for the full statement
    // on 1,000,000 rows).
    return [
      `SELECT ${[...quoted, ...selected].join(', ')}`,
      `FROM (SELECT *, ${expressions.join(', ')} FROM ${table}${where} OFFSET 0) AS s`,
      ...joins,
      ...(ordered ? [`ORDER BY s.${orderBy}`] : [])
    ].join('\n');
  };
}
