import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigurationError } from '../../shared/src/errors.js';
import type { Row } from '../src/features/row.js';
import { CsvSource, firstInvalidUtf8, MAX_RECORD_CHARACTERS } from '../src/sources/csv.js';

const dir = mkdtempSync(path.join(tmpdir(), 'fraud-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (content: string | Buffer): string => {
  const f = path.join(dir, `t${n++}.csv`);
  writeFileSync(f, content);
  return f;
};

async function readAll(f: string, batch = 2): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const b of new CsvSource(f).batches(batch)) rows.push(...b);
  return rows;
}

async function failure(content: string | Buffer): Promise<string> {
  const f = file(content);
  try {
    await readAll(f);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message.replace(f, 'FILE');
  }
  throw new Error('no error');
}

describe('CSV source (csv-parse, strict)', () => {
  it('reads quotes, doubled quotes, commas and line breaks inside fields, CRLF, blank lines; empty unquoted fields are null', async () => {
    const rows = await readAll(file('a,b,c\r\n1,"x, ""y""",\n\n2,"two\nlines",z\n3,"",w'));
    expect(rows).toEqual([
      { a: '1', b: 'x, "y"', c: null },
      { a: '2', b: 'two\nlines', c: 'z' },
      { a: '3', b: '', c: 'w' }
    ]);
  });

  it('drops a UTF-8 byte-order mark and keeps multi-byte characters split across read chunks', async () => {
    const city = 'Zürich–Ōsaka 東京';
    const body = Array.from({ length: 30_000 }, (_, i) => `${i},${city}`).join('\n');
    const rows = await readAll(file(`\uFEFFid,city\n${body}\n`), 5000);
    expect(Object.keys(rows[0] as Row)).toEqual(['id', 'city']);
    expect(rows).toHaveLength(30_000);
    expect(rows.every((r) => r.city === city)).toBe(true);
  });

  it('an unterminated quote fails with the line it opens on (it used to swallow the rest of the file)', async () => {
    expect(await failure('id,note\n1,ok\n2,"never closed\n3,x\n4,y\n')).toBe(
      'CSV file FILE, line 3: a quoted field opened on this line is never closed (the file ends inside it, at line 5). Nothing was scanned.'
    );
  });

  it('a row with too few or too many fields fails with its line', async () => {
    expect(await failure('id,a,b\n1,2,3\n4,5\n')).toBe(
      'CSV file FILE, line 3: 2 fields where the header has 3. Nothing was scanned.'
    );
    expect(await failure('id,a,b\n1,2,3\n4,5,6\n"7\n8",9,10,11\n')).toBe(
      'CSV file FILE, line 5: 4 fields where the header has 3. Nothing was scanned.'
    );
  });

  it('a stray quote after a closing quote fails with its line', async () => {
    expect(await failure('id,a\n1,2\n3,"x"y\n')).toMatch(
      /^CSV file FILE, line 3: characters after the closing quote/
    );
  });

  it('bytes that are not UTF-8 fail with their line (Latin-1, a lone continuation byte, a truncated sequence, UTF-16)', async () => {
    const latin1 = Buffer.concat([
      Buffer.from('id,city\n1,Paris\n2,'),
      Buffer.from([0xe9]),
      Buffer.from('vry\n')
    ]);
    expect(await failure(latin1)).toBe(
      'CSV file FILE, line 3: not valid UTF-8 (bytes e9 76 72 79). Nothing was scanned.'
    );
    expect(await failure(Buffer.concat([Buffer.from('id\n1\n2\n3'), Buffer.from([0x80])]))).toMatch(
      /^CSV file FILE, line 4: not valid UTF-8 \(bytes 80\)/
    );
    expect(
      await failure(Buffer.concat([Buffer.from('id\n1\n'), Buffer.from([0xe2, 0x82])]))
    ).toMatch(/^CSV file FILE, line 3: not valid UTF-8 \(bytes e2 82\)/);
    expect(await failure(Buffer.from('\uFEFFid,a\n1,2\n', 'utf16le'))).toMatch(
      /^CSV file FILE, line 1: not valid UTF-8 \(bytes ff fe 69 00\)\. It starts with a UTF-16 byte-order mark/
    );
  });

  it('an invalid byte far into a large file is found at the right line', async () => {
    const lines = Array.from({ length: 100_000 }, (_, i) => `${i},row`);
    const head = Buffer.from(`id,v\n${lines.join('\n')}\n`);
    const content = Buffer.concat([
      head,
      Buffer.from('x,'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('\n')
    ]);
    expect(await failure(content)).toMatch(
      /^CSV file FILE, line 100002: not valid UTF-8 \(bytes c3 28/
    );
  });

  it('a record longer than the limit fails instead of filling memory', async () => {
    const huge = 'x'.repeat(MAX_RECORD_CHARACTERS + 10);
    expect(await failure(`id,a\n1,2\n2,"${huge}\n`)).toMatch(
      /^CSV file FILE, line 3: a record longer than \d+ characters \(most likely a quote that is never closed\)/
    );
  });

  it('firstInvalidUtf8 refuses overlong forms, surrogates and code points above U+10FFFF', () => {
    expect(firstInvalidUtf8(Buffer.from('aé€😀'))).toBe(-1);
    expect(firstInvalidUtf8(Uint8Array.from([0x61, 0xc0, 0xaf]))).toBe(1);
    expect(firstInvalidUtf8(Uint8Array.from([0xed, 0xa0, 0x80]))).toBe(0);
    expect(firstInvalidUtf8(Uint8Array.from([0xf4, 0x90, 0x80, 0x80]))).toBe(0);
    expect(firstInvalidUtf8(Uint8Array.from([0xe0, 0x80, 0x80]))).toBe(0);
  });

  it('columns() reads the header only', async () => {
    const f = file('id, amount ,b\n1,2,3\n4,5\n');
    expect(await new CsvSource(f).columns()).toEqual(['id', 'amount', 'b']);
  });
});
