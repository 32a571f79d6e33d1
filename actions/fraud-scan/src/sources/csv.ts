import { createReadStream } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse, type CsvError, type Info } from 'csv-parse';
import { ConfigurationError } from '../../../shared/src/errors.js';
import type { Row } from '../features/row.js';
import type { Source } from './source.js';

/**
 * A field longer than this (in characters) stops the scan: it is almost always a quote that is
 * never closed, which would otherwise swallow the rest of the file into one field and into
 * memory.
 */
export const MAX_RECORD_CHARACTERS = 1 << 20;

/**
 * Offset of the first byte that is not part of well-formed UTF-8 in `buf` (overlong forms,
 * surrogates and code points above U+10FFFF are malformed), or -1. A sequence cut off by the
 * end of `buf` counts as malformed: callers hand over only complete sequences.
 */
export function firstInvalidUtf8(buf: Uint8Array): number {
  for (let i = 0; i < buf.length;) {
    const b = buf[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let max = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b === 0xe0) [need, min] = [2, 0xa0];
    else if (b === 0xed) [need, min, max] = [2, 0x80, 0x9f];
    else if (b >= 0xe1 && b <= 0xef) [need, min] = [2, 0x80];
    else if (b === 0xf0) [need, min] = [3, 0x90];
    else if (b === 0xf4) [need, min, max] = [3, 0x80, 0x8f];
    else if (b >= 0xf1 && b <= 0xf3) [need, min] = [3, 0x80];
    else return i;
    const second = buf[i + 1];
    if (second === undefined || second < min || second > max) return i;
    for (let k = 2; k <= need; k++) {
      const c = buf[i + k];
      if (c === undefined || c < 0x80 || c > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** Bytes at the end of `buf` that start a UTF-8 sequence the next chunk completes. */
function incompleteTail(buf: Buffer): number {
  for (let back = 1; back <= Math.min(3, buf.length); back++) {
    const b = buf[buf.length - back] as number;
    if (b < 0x80) return 0;
    if (b >= 0xc0) {
      const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return length > back ? back : 0;
    }
  }
  return 0;
}

/**
 * Passes bytes through once they are known to be UTF-8, counting lines, so an unreadable
 * encoding fails with the line it is on instead of turning into U+FFFD replacement characters.
 * The fast path is Node's native `isUtf8` per chunk; only a failing chunk is walked byte by byte.
 */
class Utf8Guard extends Transform {
  private carry = Buffer.alloc(0);
  private line = 1;

  constructor(private readonly file: string) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const keep = incompleteTail(buf);
    const whole = buf.subarray(0, buf.length - keep);
    this.carry = Buffer.from(buf.subarray(buf.length - keep));
    if (!isUtf8(whole)) return done(this.failure(whole, firstInvalidUtf8(whole)));
    for (let i = whole.indexOf(10); i !== -1; i = whole.indexOf(10, i + 1)) this.line++;
    done(null, whole);
  }

  override _flush(done: TransformCallback): void {
    if (this.carry.length) return done(this.failure(this.carry, 0));
    done();
  }

  private failure(buf: Buffer, at: number): ConfigurationError {
    let line = this.line;
    for (let i = buf.indexOf(10); i !== -1 && i < at; i = buf.indexOf(10, i + 1)) line++;
    const bytes = [...buf.subarray(at, at + 4)]
      .map((b) => b.toString(16).padStart(2, '0'))
      .join(' ');
    const utf16 =
      line === 1 && at === 0 && (buf[0] === 0xff || buf[0] === 0xfe)
        ? ' It starts with a UTF-16 byte-order mark: save the file as UTF-8.'
        : '';
    return new ConfigurationError(
      `CSV file ${this.file}, line ${line}: not valid UTF-8 (bytes ${bytes}).${utf16} Nothing was scanned.`
    );
  }
}

/** csv-parse's error, in words, with the line it is on. */
function describeParseError(file: string, error: CsvError, recordStart: number): Error {
  const where = `CSV file ${file}, line`;
  const lines = Number((error as CsvError & { lines?: number }).lines ?? recordStart);
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new ConfigurationError(
        `${where} ${recordStart}: a quoted field opened on this line is never closed (the file ends inside it, at line ${lines}). Nothing was scanned.`
      );
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH': {
      const m = /expect (\d+), got (\d+)/.exec(error.message);
      return new ConfigurationError(
        `${where} ${lines}: ${m ? `${m[2]} fields where the header has ${m[1]}` : 'the number of fields differs from the header'}. Nothing was scanned.`
      );
    }
    case 'CSV_MAX_RECORD_SIZE':
      return new ConfigurationError(
        `${where} ${recordStart}: a record longer than ${MAX_RECORD_CHARACTERS} characters (most likely a quote that is never closed). Nothing was scanned.`
      );
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return new ConfigurationError(
        `${where} ${lines}: characters after the closing quote of a field (a quote inside a quoted field is written "" in CSV). Nothing was scanned.`
      );
    default:
      return new ConfigurationError(`${where} ${lines}: ${error.message}. Nothing was scanned.`);
  }
}

/**
 * The file's records, streamed through csv-parse in strict mode: an unterminated quote, a row
 * whose field count differs from the header's, a stray quote or bytes that are not UTF-8 fail
 * with the line number. A UTF-8 byte-order mark is dropped; blank lines are skipped; an empty
 * unquoted field is null, like a database's NULL in an export.
 */
async function* records(file: string): AsyncGenerator<(string | null)[]> {
  const parser = parse({
    bom: true,
    // Both line endings in one file (exports appended to on two systems) are read as lines.
    record_delimiter: ['\r\n', '\n'],
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_CHARACTERS,
    info: true,
    cast: (value, context) => (value === '' && !context.quoting ? null : value)
  });
  const flowing = pipeline(
    createReadStream(file, { highWaterMark: 256 * 1024 }),
    new Utf8Guard(file),
    parser
  );
  // Errors reach the loop through the parser (pipeline destroys it with the first error);
  // an early return (columns() reads only the header) closes the pipeline, which is expected.
  flowing.catch(() => undefined);
  let lastLine = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: (string | null)[];
      info: Info;
    }>) {
      lastLine = info.lines;
      yield record;
    }
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    if ((error as CsvError).code?.startsWith('CSV_')) {
      throw describeParseError(file, error as CsvError, lastLine + 1);
    }
    throw error;
  }
}

/** A CSV file with a header row, streamed. */
export class CsvSource implements Source {
  readonly kind = 'csv' as const;
  readonly description: string;

  constructor(private readonly file: string) {
    this.description = `CSV file ${file}`;
  }

  /** Fails with a ConfigurationError when the file is missing or unreadable. */
  async check(): Promise<void> {
    try {
      await access(this.file, constants.R_OK);
    } catch {
      throw new ConfigurationError(
        `Source CSV file "${this.file}" does not exist or cannot be read.`
      );
    }
  }

  async columns(): Promise<string[]> {
    await this.check();
    for await (const header of records(this.file)) return header.map((h) => (h ?? '').trim());
    return [];
  }

  async *batches(size: number): AsyncIterable<Row[]> {
    await this.check();
    let header: string[] | undefined;
    let batch: Row[] = [];
    for await (const record of records(this.file)) {
      if (!header) {
        header = record.map((h) => (h ?? '').trim());
        continue;
      }
      const row: Row = {};
      header.forEach((name, i) => (row[name] = record[i] ?? null));
      batch.push(row);
      if (batch.length >= size) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  }

  async close(): Promise<void> {}
}
