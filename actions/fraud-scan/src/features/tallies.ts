import {
  type AggregateSpec,
  aggregateColumn,
  type KeyPart,
  type KeyTableRequest,
  postgresTablePlan,
  type RowFilter,
  rowsQuery,
  type TablePlan,
  type Tally
} from './aggregates.js';

/**
 * The shop's running counts per key (app/backend fraud migration 0003: `fraud_key_tally` and
 * `fraud_pair_tally`, kept exact by statement triggers on payments_transaction in each writer's
 * own transaction). They hold, for every key, what the scan's aggregates over the whole table
 * are, so a scan whose aggregates count every row (window `all`) can read them instead of
 * grouping the table: a night's cost then follows its new rows, not the table it lands in.
 * The keys are the specs' own SQL expressions, which are the triggers' (a test compares a scan
 * through the tallies with one that counts the rows, on a table whose keys are padded, empty,
 * mixed-case and IPv6).
 */

/** The triggers that keep the tallies; all four must fire for the counts to be the table's. */
const TRIGGERS = [
  'fraud_tally_insert',
  'fraud_tally_update',
  'fraud_tally_delete',
  'fraud_tally_truncate'
];

/**
 * Whether `table` (a quoted name, bound as $1) has the tallies and this session can trust them:
 * both tables readable and every tally trigger on the table firing in a normal session ('O'
 * origin or 'A' always; one disabled for a bulk load leaves the counts stale until
 * `manage.py fraud_recount_tallies`).
 */
export const TALLIES_USABLE = `SELECT CASE
  WHEN to_regclass('fraud_key_tally') IS NULL OR to_regclass('fraud_pair_tally') IS NULL THEN false
  WHEN NOT (has_table_privilege('fraud_key_tally', 'SELECT') AND has_table_privilege('fraud_pair_tally', 'SELECT')) THEN false
  ELSE (SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass($1) AND NOT tgisinternal
        AND tgenabled IN ('O', 'A') AND tgname IN (${TRIGGERS.map((t) => `'${t}'`).join(', ')})) = ${TRIGGERS.length}
  END AS usable`;

/**
 * The rows `limit` at a time in primary-key order, each joined to its keys' tallies by primary
 * key (an index lookup per key: no setup, nothing grouped). Undefined when an aggregate has no
 * tally. Only for aggregates that count every row: the tallies know no window.
 */
export function postgresTallyPlan(
  table: string,
  orderBy: string,
  specs: readonly AggregateSpec[],
  filter?: RowFilter
): TablePlan | undefined {
  if (specs.some((spec) => !spec.tally)) return undefined;
  const expressions = new Map<string, string>();
  // The key's own expression, as the triggers wrote it: no COLLATE here, so the lookups use
  // the tallies' primary-key index (equality is the same in any deterministic collation).
  const col = (part: KeyPart): string => {
    let name = expressions.get(part.pg);
    if (!name) {
      name = `__fs_c${expressions.size}`;
      expressions.set(part.pg, name);
    }
    return name;
  };
  const joins = new Map<string, { alias: string; sql: string }>();
  const join = (id: string, sql: (alias: string) => string): string => {
    let entry = joins.get(id);
    if (!entry) {
      const alias = `__fs_t${joins.size}`;
      entry = { alias, sql: sql(alias) };
      joins.set(id, entry);
    }
    return entry.alias;
  };
  const selected = specs.map((spec) => {
    const tally = spec.tally as Tally;
    const keys = spec.key.map(col);
    let cell: string;
    if (tally.table === 'key') {
      const t = join(
        `key:${tally.kind}:${keys[0]}`,
        (a) =>
          `LEFT JOIN fraud_key_tally ${a} ON ${a}.kind = ${tally.kind} AND ${a}.key = s.${keys[0]}`
      );
      cell = `CAST(coalesce(${t}.${tally.column}, 0) AS INTEGER)`;
    } else if (tally.table === 'pair') {
      const t = join(
        `pair:${tally.kind}:${keys.join(',')}`,
        (a) =>
          `LEFT JOIN fraud_pair_tally ${a} ON ${a}.kind = ${tally.kind} AND ${a}.key = s.${keys[0]} AND ${a}.other = s.${keys[1]}`
      );
      cell = `CAST(greatest(coalesce(${t}.n, 0), 0) AS INTEGER)`;
    } else {
      // A pair whose rows were all deleted stays with n = 0: it counts for nothing.
      const t = join(
        `pairs:${tally.kind}:${keys[0]}`,
        (a) =>
          `LEFT JOIN LATERAL (SELECT count(*) AS n, (array_agg(p.other ORDER BY p.n DESC, p.other COLLATE "C"))[1] AS mode` +
          ` FROM fraud_pair_tally p WHERE p.kind = ${tally.kind} AND p.key = s.${keys[0]} AND p.n > 0) AS ${a} ON TRUE`
      );
      cell = tally.of === 'count' ? `CAST(${t}.n AS INTEGER)` : `${t}.mode`;
    }
    const present = keys.map((k) => `s.${k} IS NOT NULL`).join(' AND ');
    return `CASE WHEN ${present} THEN ${cell} END AS ${aggregateColumn(spec.name)}`;
  });
  const projected = [...expressions.entries()].map(([e, name]) => `${e} AS ${name}`);
  return {
    setup: [],
    firstOrder: filter
      ? {
          sql: `SELECT min(${orderBy}) FROM ${table} WHERE ${filter.context} AND ${filter.rows}`,
          parameterised: true
        }
      : undefined,
    rows: rowsQuery(
      table,
      orderBy,
      filter,
      projected,
      selected,
      [...joins.values()].map((j) => j.sql)
    )
  };
}

/**
 * A full read's key tables copied from the counts instead of grouped from the rows (no pass over
 * the table before the first row: on the shop's 1,000,000-row table that pass and the grouping
 * took 8.4 s), then the rows joined to them by hash, as postgresTablePlan does.
 * Undefined when a key has no tally. (Reading the counts by index for every row, as a night
 * does, cost a full scan more than grouping: docs/benchmarks.md.)
 */
export function postgresTalliedTablePlan(
  table: string,
  orderBy: string,
  specs: readonly AggregateSpec[]
): TablePlan | undefined {
  let complete = true;
  const plan = postgresTablePlan(table, orderBy, specs, undefined, (key) => {
    const sql = tallyKeyTable(key);
    if (!sql) complete = false;
    return sql;
  });
  return complete ? plan : undefined;
}

/**
 * A key table from the counts: its keys of two rows or more (a lone row is its own aggregate,
 * which the rows' statement fills in), with each aggregate's column. A one-part key reads its
 * fraud_key_tally row and, for `pairs` aggregates, its pairs grouped; a two-part key reads its
 * fraud_pair_tally rows.
 */
export function tallyKeyTable(key: KeyTableRequest): string | undefined {
  const tallies = key.specs.map((spec) => spec.tally);
  if (tallies.some((t) => t === undefined)) return undefined;
  const all = tallies as Tally[];
  const cell = (sql: string, i: number): string => `${sql} AS ${key.columns[i] as string}`;
  if (key.cols.length === 2) {
    const kind = all[0]?.kind;
    if (all.some((t) => t.table !== 'pair' || t.kind !== kind)) return undefined;
    const [a, b] = key.cols as [string, string];
    return (
      `SELECT p.key COLLATE "C" AS ${a}, p.other COLLATE "C" AS ${b}, ${all.map((_, i) => cell('p.n', i)).join(', ')}` +
      ` FROM fraud_pair_tally p WHERE p.kind = ${kind} AND p.n > 1`
    );
  }
  if (key.cols.length !== 1) return undefined;
  const base = all.find((t) => t.table === 'key');
  if (!base || all.some((t) => t.table === 'pair' || (t.table === 'key' && t.kind !== base.kind)))
    return undefined;
  const groups = new Map<number, string>();
  const cells = all.map((t, i) => {
    // A `pair` tally was refused above: what is not `pairs` is a `key` column.
    if (t.table !== 'pairs') return cell(`k.${(t as Extract<Tally, { table: 'key' }>).column}`, i);
    let alias = groups.get(t.kind);
    if (!alias) {
      alias = `g${groups.size}`;
      groups.set(t.kind, alias);
    }
    return cell(t.of === 'count' ? `coalesce(${alias}.n, 0)` : `${alias}.mode`, i);
  });
  // A pair whose rows were all deleted stays with n = 0: it counts for nothing.
  const joins = [...groups].map(
    ([kind, alias]) =>
      ` LEFT JOIN (SELECT key, count(*) AS n, (array_agg(other ORDER BY n DESC, other COLLATE "C"))[1] AS mode` +
      ` FROM fraud_pair_tally WHERE kind = ${kind} AND n > 0 GROUP BY key) AS ${alias} ON ${alias}.key = k.key`
  );
  return (
    `SELECT k.key COLLATE "C" AS ${key.cols[0] as string}, ${cells.join(', ')}` +
    ` FROM fraud_key_tally k${joins.join('')} WHERE k.kind = ${base.kind} AND k.attempts > 1`
  );
}
