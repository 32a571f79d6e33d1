/**
 * Throw-away PostgreSQL databases for the fraud-scan tests, on the server PG* points at
 * (scripts/test makes sure one answers), and the bulk insert they fill tables with.
 */
import pg from 'pg';
import type { Row } from '../../src/features/row.js';

const server = {
  host: process.env.PGHOST ?? '127.0.0.1',
  port: Number(process.env.PGPORT ?? 5432),
  user: process.env.PGUSER ?? 'postgres'
};

async function onAdmin(sql: string): Promise<void> {
  const admin = new pg.Client({ ...server, database: 'postgres' });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A new, empty database named after the test and this process. */
export async function createDatabase(prefix: string): Promise<TestDatabase> {
  const name = `${prefix}_${process.pid}_${Date.now()}`;
  await onAdmin(`CREATE DATABASE ${name}`);
  return {
    name,
    url: `postgres://${server.user}@${server.host}:${server.port}/${name}`,
    drop: () => onAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  };
}

/** Insert rows (missing cells as NULL), a few hundred per statement. */
export async function insertRows(
  client: pg.Client,
  table: string,
  columns: readonly string[],
  rows: readonly Row[]
): Promise<void> {
  for (let i = 0; i < rows.length; i += 400) {
    const params: unknown[] = [];
    const tuples = rows.slice(i, i + 400).map(
      (r) =>
        `(${columns
          .map((c) => {
            params.push(r[c] ?? null);
            return `$${params.length}`;
          })
          .join(',')})`
    );
    await client.query(
      `INSERT INTO ${table} (${columns.map((c) => `"${c}"`).join(',')}) VALUES ${tuples.join(',')}`,
      params
    );
  }
}
