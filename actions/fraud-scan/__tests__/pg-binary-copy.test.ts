/**
 * The PostgreSQL source reads its rows with binary COPY and decodes them itself
 * (sources/pg-binary-copy.ts). Whatever a table holds, the rows must be exactly those pg's query
 * path gives: same keys, same types, same text for numerics and big integers, the same Date.
 * Against a real server, on values chosen to sit on every edge of each decoder.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import {
  BinaryCopyDecoder,
  type CopyField,
  copyBatches,
  copyStatement,
  decodedFromBinary,
  withLiterals
} from '../src/sources/pg-binary-copy.js';
import { typeParser } from '../src/sources/postgres.js';
import { createDatabase, type TestDatabase } from './support/postgres.js';

let db: TestDatabase;
let client: pg.Client;

// Each column's values, one per row (NULL where a column has fewer), as SQL literals.
const VALUES: Record<string, { type: string; values: string[] }> = {
  b: { type: 'boolean', values: ['true', 'false'] },
  i2: { type: 'smallint', values: ['-32768', '32767', '0'] },
  i4: { type: 'integer', values: ['-2147483648', '2147483647', '0', '-1'] },
  i8: {
    type: 'bigint',
    values: [
      '0',
      '-1',
      '4294967296',
      '-4294967296',
      '-4294967297',
      '9007199254740991',
      '9007199254740992',
      '9007199254740993',
      '-9007199254740992',
      '-9007199254740993',
      '9223372036854775807',
      '-9223372036854775808'
    ]
  },
  f8: {
    type: 'double precision',
    values: [
      '0.1',
      "'-0'",
      '1e-310',
      '1.7976931348623157e308',
      "'NaN'",
      "'Infinity'",
      "'-Infinity'",
      '123.456'
    ]
  },
  n: {
    type: 'numeric',
    values: [
      '0',
      '0.00',
      '-0.5',
      '12.50',
      '1e-20',
      '123456789012345678901234567890.123456789',
      "'NaN'",
      "'Infinity'",
      "'-Infinity'",
      '10000',
      '9999.9999',
      '100000000',
      '-0.00001234',
      '0.000000000000000000000000000015',
      '1.10',
      '-10000.0001'
    ]
  },
  money: { type: 'numeric(10,2)', values: ['5.00', '199.99', '-0.01', '12345678.90'] },
  ts: {
    type: 'timestamptz',
    values: [
      "'2026-01-01 00:00:02+00'",
      "'2026-03-01 12:00:00.123456+00'",
      "'1999-12-31 23:59:59.999999+00'",
      "'1969-12-31 23:59:59.999999+00'",
      "'1900-01-01 00:00:00.0005+00'",
      "'0050-06-01 00:00:00+00'",
      "'0001-01-01 00:00:00+00 BC'",
      "'2300-01-01 00:00:00.999999+00'",
      "'1600-01-01 00:00:00.000001+00'",
      "'9999-12-31 23:59:59.999999+00'",
      "'infinity'",
      "'-infinity'",
      "'2026-07-01 12:00:00+05:30'"
    ]
  },
  t: {
    type: 'text',
    values: [
      "''",
      "'usd'",
      "'héllo wörld'",
      "'😀 emoji'",
      "E'tab\\there\\nnew line\\\\ backslash'",
      "'exactly16bytes!!'",
      "'seventeen bytes!!'",
      "'a long ASCII text well beyond the short path'",
      "'ü'",
      "repeat('é', 40)"
    ]
  },
  vc: { type: 'varchar(5)', values: ["'US'", "''", "'ñandú'"] },
  ch: { type: 'char(5)', values: ["'ab'", "'abcde'", "''"] },
  nm: { type: 'name', values: ["'payments'"] },
  ip: {
    type: 'inet',
    values: ["'10.0.0.1'", "'10.0.0.0/8'", "'::1'", "'::ffff:1.2.3.4'", "'2001:db8::1/64'"]
  },
  js: { type: 'json', values: [`'{"a": [1, 2], "b": null}'`, "'[]'"] },
  jb: { type: 'jsonb', values: [`'{"z": 1, "a": "x"}'`] },
  arr: { type: 'integer[]', values: ["'{1,2,NULL}'", "'{}'"] },
  tarr: { type: 'text[]', values: [`'{"a b","c,d","\\"q\\""}'`] },
  d: { type: 'date', values: ["'2026-01-02'", "'1969-12-31'"] },
  tsl: { type: 'timestamp', values: ["'2026-01-02 03:04:05.678'"] },
  u: { type: 'uuid', values: ["'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'"] },
  by: { type: 'bytea', values: ["'\\x00ff10'"] },
  iv: { type: 'interval', values: ["'1 day 02:03:04'"] },
  f4: { type: 'real', values: ['0.1', '3.4e38'] }
};
const ROWS = Math.max(...Object.values(VALUES).map((c) => c.values.length)) + 1; // + all NULL

beforeAll(async () => {
  db = await createDatabase('fraud_copy');
  client = new pg.Client({ connectionString: db.url, types: { getTypeParser: typeParser } });
  await client.connect();
  const names = Object.keys(VALUES);
  await client.query(
    `CREATE TABLE awkward (id integer PRIMARY KEY, ${names
      .map((n) => `${n} ${(VALUES[n] as { type: string }).type}`)
      .join(', ')})`
  );
  for (let row = 0; row < ROWS; row++) {
    const cells = names.map((n) => (VALUES[n] as { values: string[] }).values[row] ?? 'NULL');
    await client.query(`INSERT INTO awkward VALUES (${row + 1}, ${cells.join(', ')})`);
  }
});

afterAll(async () => {
  await client?.end();
  await db?.drop();
});

/** The fields pg describes for `sql`, as the source asks for them (planned, not run). */
async function fieldsOf(sql: string): Promise<CopyField[]> {
  return (await client.query(`SELECT * FROM (${sql}) AS q LIMIT 0`)).fields;
}

/** Every row copyBatches yields for `statement`, checking each batch holds at most `size`. */
async function copyRows(
  statement: string,
  fields: readonly CopyField[],
  size = 1000
): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for await (const batch of copyBatches(client, statement, fields, typeParser, size)) {
    expect(batch.length).toBeLessThanOrEqual(size);
    rows.push(...batch);
  }
  return rows;
}

/** The raw binary COPY stream of `sql` as copyStatement writes it. */
async function rawCopy(sql: string, fields: readonly CopyField[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of client.query(copyTo(copyStatement(sql, fields)))) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const SQL = 'SELECT * FROM awkward ORDER BY id';

describe('rows read by binary COPY', () => {
  it('are exactly the rows pg gives, for every type and edge value', async () => {
    const viaPg = (await client.query<Record<string, unknown>>(SQL)).rows;
    const fields = await fieldsOf(SQL);
    const viaCopy = await copyRows(copyStatement(SQL, fields), fields);
    expect(viaCopy).toHaveLength(ROWS);
    for (let i = 0; i < ROWS; i++) {
      // One column at a time, so a failure names the column and the value.
      for (const name of Object.keys(viaPg[i] as object)) {
        expect([i, name, viaCopy[i]?.[name]]).toEqual([i, name, viaPg[i]?.[name]]);
      }
      expect(Object.keys(viaCopy[i] as object)).toEqual(Object.keys(viaPg[i] as object));
    }
    // The edges did reach the binary decoders (not all sent as text).
    const binary = fields.filter((f) => decodedFromBinary(f.dataTypeID)).map((f) => f.name);
    expect(binary).toEqual(
      expect.arrayContaining(['b', 'i2', 'i4', 'i8', 'f8', 'n', 'money', 'ts', 't', 'vc', 'ch'])
    );
    expect(binary).not.toContain('ip');
  });

  it('keep the query order, and its rows, when some columns go as text', async () => {
    const sql = 'SELECT id, ip, t FROM awkward WHERE id > 3 ORDER BY id DESC LIMIT 5';
    const fields = await fieldsOf(sql);
    const rows = await copyRows(copyStatement(sql, fields), fields);
    expect(rows).toEqual((await client.query(sql)).rows);
  });

  it('are handed over `size` at a time as they arrive, in the order sent', async () => {
    // About 6 MB: several of the decoder's 1 MB runs, each ending inside a tuple.
    const sql = "SELECT g AS id, repeat('x', g % 300) AS t FROM generate_series(1, 40000) AS g";
    const fields = await fieldsOf(sql);
    const want = (await client.query(sql)).rows;
    for (const size of [1, 999, 5000, 100000]) {
      const sizes: number[] = [];
      const rows: Record<string, unknown>[] = [];
      for await (const batch of copyBatches(
        client,
        copyStatement(sql, fields),
        fields,
        typeParser,
        size
      )) {
        sizes.push(batch.length);
        rows.push(...batch);
      }
      // Every batch full but the last.
      expect([size, sizes.slice(0, -1).every((n) => n === size), sizes.at(-1)]).toEqual([
        size,
        true,
        40000 - size * (sizes.length - 1)
      ]);
      expect(rows).toEqual(want);
    }
  });

  it('are the same however the stream is cut into chunks', async () => {
    const fields = await fieldsOf(SQL);
    const whole = await rawCopy(SQL, fields);
    const expected = new BinaryCopyDecoder(fields, typeParser);
    expected.push(whole);
    const want = expected.end();
    for (const size of [1, 2, 3, 7, 19, 64, 1000]) {
      const decoder = new BinaryCopyDecoder(fields, typeParser);
      for (let at = 0; at < whole.length; at += size) decoder.push(whole.subarray(at, at + size));
      expect([size, decoder.end()]).toEqual([size, want]);
    }
  });
});

describe('a malformed binary COPY stream', () => {
  let fields: CopyField[];
  let whole: Buffer;
  beforeAll(async () => {
    fields = await fieldsOf(SQL);
    whole = await rawCopy(SQL, fields);
  });
  const decode = (bytes: Buffer, as = fields): (() => unknown) => {
    return () => {
      const decoder = new BinaryCopyDecoder(as, typeParser);
      decoder.push(bytes);
      return decoder.end();
    };
  };

  it('stopped inside a tuple or before its end marker is refused, not cut short', () => {
    expect(decode(whole.subarray(0, whole.length - 2))).toThrow(/ended early/);
    expect(decode(whole.subarray(0, whole.length - 40))).toThrow(/ended early/);
    expect(decode(whole.subarray(0, 5))).toThrow(/ended early/);
  });

  it('with another signature, another width or data after its end is refused', () => {
    const forged = Buffer.from(whole);
    forged.write('PGCOPZ', 0, 'latin1');
    expect(decode(forged)).toThrow(/bad signature/);
    expect(decode(whole, fields.slice(1))).toThrow(/fields, expected/);
    expect(decode(Buffer.concat([whole, whole.subarray(19, 40)]))).toThrow(/after its end marker/);
  });

  it('that fails on the server mid-way rejects with its error and leaves the client usable', async () => {
    const sql = 'SELECT id, 10 / (id - 5) AS x FROM awkward ORDER BY id';
    const fields = await fieldsOf(sql);
    await expect(copyRows(copyStatement(sql, fields), fields)).rejects.toThrow(/division by zero/);
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('refused by the decoder mid-way is still read to its end, so the client stays usable', async () => {
    // Several MB, so the decoder refuses the first run while the server is still sending.
    const sql = "SELECT g AS id, repeat('x', 200) AS t FROM generate_series(1, 40000) AS g";
    const fields = await fieldsOf(sql);
    const statement = copyStatement(sql, fields);
    await expect(copyRows(statement, fields.slice(1))).rejects.toThrow(/fields, expected/);
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('a query with two columns of one name cannot be sent with some as text', () => {
    expect(() =>
      copyStatement('SELECT 1 AS x, 2 AS x', [
        { name: 'x', dataTypeID: 869 },
        { name: 'x', dataTypeID: 23 }
      ])
    ).toThrow(/two columns named "x"/);
  });
});

describe('parameters written in as literals (COPY takes none)', () => {
  const escape = (text: string): string => client.escapeLiteral(text);

  it('are numbered, not confused by $1 inside a quoted name or text', () => {
    const sql = `SELECT $2 AS "a$1""b", '$1' AS t, $10 AS ten, $1 AS one FROM "x$1"`;
    const values = ['one', 'two', 3, 4, 5, 6, 7, 8, 9, 'ten'];
    expect(withLiterals(sql, values, escape)).toBe(
      `SELECT 'two' AS "a$1""b", '$1' AS t, 'ten' AS ten, 'one' AS one FROM "x$1"`
    );
  });

  it('carry a hostile value as data, never as SQL', async () => {
    const hostile = `1'; DROP TABLE awkward; --\\' $1 "x"`;
    const sql = withLiterals('SELECT $1::text AS v, count(*) AS n FROM awkward', [hostile], escape);
    const { rows } = await client.query(sql);
    expect(rows[0]).toEqual({ v: hostile, n: String(ROWS) });
  });

  it('a missing parameter or one that is not text or a number is refused', () => {
    expect(() => withLiterals('SELECT $2', ['a'], escape)).toThrow(/names parameter \$2/);
    expect(() => withLiterals('SELECT $0', ['a'], escape)).toThrow(/names parameter \$0/);
    expect(() => withLiterals('SELECT $1', [new Date(0)], escape)).toThrow(/text or a number/);
    expect(() => withLiterals('SELECT $1', [null], escape)).toThrow(/text or a number/);
  });
});
