import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { Row } from '../features/row.js';

/**
 * A query's rows read with `COPY (query) TO STDOUT (FORMAT binary)` and decoded here into the
 * very values pg's own query path gives (same keys, same types, same text for numerics and big
 * integers), so nothing downstream can tell the two apart.
 *
 * Why not pg's query path: on a 1,000,000-row full scan it spent about 7.7 s of ~21 s parsing
 * DataRow messages into a string per cell and those strings into values (a CPU profile), and
 * the garbage it made cost another 3.3 s. Binary COPY sends integers, floats and timestamps as
 * fixed-width bytes, read here without an intermediate string, and the rows as one stream that
 * pg-copy-streams hands over without pg's per-message parsing.
 *
 * Columns of types without a decoder here (inet, json, arrays, timestamps without a time zone,
 * dates, …) are sent as their type's own text output and given to pg's parser for that type,
 * exactly as pg would have. __tests__/pg-binary-copy.test.ts holds the two paths equal.
 */

/** A result column: its name and type, as pg's `result.fields` describe it. */
export interface CopyField {
  name: string;
  dataTypeID: number;
}

type TextParser = (value: string) => unknown;

/** How a column's cells are decoded: one of the binary forms, or TEXT_OUTPUT through pg's parser. */
const enum Kind {
  TEXT_OUTPUT,
  BOOL,
  INT2,
  INT4,
  INT8,
  FLOAT8,
  NUMERIC,
  TIMESTAMPTZ,
  STRING
}

/** The types decoded from their binary form, each to what pg's text parser gives for it. */
const BINARY_KIND: ReadonlyMap<number, Kind> = new Map([
  [16, Kind.BOOL],
  [21, Kind.INT2],
  [23, Kind.INT4],
  [20, Kind.INT8], // pg leaves bigints as their decimal text (no precision lost above 2^53)
  [701, Kind.FLOAT8],
  [1700, Kind.NUMERIC],
  [1184, Kind.TIMESTAMPTZ],
  [25, Kind.STRING], // text
  [1043, Kind.STRING], // varchar
  [1042, Kind.STRING], // bpchar: its padding is in both forms
  [19, Kind.STRING] // name
]);

/** Whether a column of this type is decoded from its binary form (else sent as text). */
export function decodedFromBinary(oid: number): boolean {
  return BINARY_KIND.has(oid);
}

/**
 * The COPY statement for a query's rows: columns of a type decoded here as they are, the others
 * as their type's text output (format('%s') calls the output function; a cast to text would not
 * always: `inet::text` adds the netmask), ordered again by `orderBy` when the query is wrapped
 * for them, so the rows keep an ordered query's order (its sort already provides it; the
 * planner adds none).
 */
export function copyStatement(sql: string, fields: readonly CopyField[], orderBy?: string): string {
  const needsText = fields.some((f) => !decodedFromBinary(f.dataTypeID));
  if (!needsText) return `COPY (${sql}) TO STDOUT (FORMAT binary)`;
  const names = new Set<string>();
  for (const f of fields) {
    // A wrapped query names its columns; two of the same name could not be told apart.
    if (names.has(f.name)) throw new Error(`the query returns two columns named "${f.name}"`);
    names.add(f.name);
  }
  const cols = fields.map((f) => {
    const col = `q.${quoteIdentifier(f.name)}`;
    return decodedFromBinary(f.dataTypeID)
      ? col
      : `CASE WHEN ${col} IS NULL THEN NULL ELSE format('%s', ${col}) END AS ${quoteIdentifier(f.name)}`;
  });
  const order = orderBy ? ` ORDER BY q.${quoteIdentifier(orderBy)}` : '';
  return `COPY (SELECT ${cols.join(', ')} FROM (${sql}) AS q${order}) TO STDOUT (FORMAT binary)`;
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Runs `statement` (copyStatement's) on a connected client and yields its rows `size` at a
 * time as they arrive, each decoded as pg's query path would decode `fields` with `textParser`.
 *
 * The server is read only as fast as the rows are taken: pg-copy-streams reads the socket when
 * its stream is drained, so while the consumer works on a batch the server fills the socket's
 * buffers and then waits. A batch is let go of once handed over, so the rows die young and
 * memory stays flat however many the statement returns.
 *
 * A consumer that stops early leaves the connection inside the COPY: it must end the client
 * (pg destroys the socket of a client with a query still running) rather than query on it.
 */
export async function* copyBatches(
  client: pg.Client,
  statement: string,
  fields: readonly CopyField[],
  textParser: (oid: number) => TextParser,
  size: number
): AsyncGenerator<Row[]> {
  const decoder = new BinaryCopyDecoder(fields, textParser);
  const stream = client.query(copyTo(statement, { highWaterMark: STREAM_BUFFER_BYTES }));
  // pg-copy-streams hands over what each socket read brought (about 32 KB, ending inside a
  // tuple): decoded in runs of at least RUN_BYTES, so a tuple cut in two is joined per run.
  let run: Buffer[] = [];
  let bytes = 0;
  // A stream the decoder refuses is still read to its end: a COPY left half-read would leave
  // the connection inside it, and the transaction's COMMIT and the client's end behind it.
  let refused: Error | undefined;
  const decode = (): void => {
    try {
      if (refused === undefined) decoder.push(Buffer.concat(run, bytes));
    } catch (error) {
      refused = error instanceof Error ? error : new Error(String(error));
    }
    run = [];
    bytes = 0;
  };
  for await (const chunk of stream) {
    run.push(chunk as Buffer);
    bytes += (chunk as Buffer).length;
    if (bytes < RUN_BYTES) continue;
    decode();
    while (refused === undefined && decoder.decoded >= size) yield decoder.take(size);
  }
  if (bytes > 0) decode();
  if (refused !== undefined) throw refused;
  const rest = decoder.end();
  while (rest.length > 0) yield rest.splice(0, size);
}

/**
 * Bytes the COPY stream may hold before it stops reading the socket: with the kernel's socket
 * buffers, how far the server can run ahead while the consumer scores a batch.
 */
const STREAM_BUFFER_BYTES = 1 << 20;
const RUN_BYTES = 1 << 20;

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** The signature, the flags field and the header extension's length. */
const HEADER_BYTES = SIGNATURE.length + 8;

/**
 * Decodes PostgreSQL's binary COPY format (the header, then per tuple a 16-bit field count and
 * each field as a 32-bit length, -1 for NULL, and its bytes; -1 as the count ends the data),
 * fed in chunks split anywhere.
 */
export class BinaryCopyDecoder {
  private readonly kinds: Kind[];
  private readonly parsers: TextParser[];
  private readonly names: string[];
  /** Every column as null: each row starts as a copy, so it is made at its final shape. */
  private readonly template: Row;
  /** Per column, its recent short texts (ShortTexts). */
  private readonly texts: ShortTexts[];
  private readonly rows: Row[] = [];
  private pending: Buffer | undefined;
  private headerRead = false;
  private ended = false;

  constructor(fields: readonly CopyField[], textParser: (oid: number) => TextParser) {
    this.names = fields.map((f) => f.name);
    this.template = Object.fromEntries(this.names.map((name) => [name, null]));
    this.kinds = fields.map((f) => BINARY_KIND.get(f.dataTypeID) ?? Kind.TEXT_OUTPUT);
    this.parsers = fields.map((f) => textParser(f.dataTypeID));
    this.texts = fields.map(() => new ShortTexts());
  }

  push(chunk: Buffer): void {
    if (this.ended && chunk.length > 0) {
      throw new Error('binary COPY stream has data after its end marker');
    }
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    let at = 0;
    if (!this.headerRead) {
      if (buf.length < HEADER_BYTES) {
        this.pending = buf;
        return;
      }
      if (!buf.subarray(0, SIGNATURE.length).equals(SIGNATURE)) {
        throw new Error('not a binary COPY stream (bad signature)');
      }
      const extension = buf.readUInt32BE(SIGNATURE.length + 4);
      if (buf.length < HEADER_BYTES + extension) {
        this.pending = buf;
        return;
      }
      at = HEADER_BYTES + extension;
      this.headerRead = true;
    }
    at = this.tuples(buf, at);
    this.pending = at < buf.length ? buf.subarray(at) : undefined;
    // A short remainder is copied, so the chunk it came from can be let go of.
    if (this.pending && this.pending.length < 4096) this.pending = Buffer.from(this.pending);
  }

  /** How many decoded rows wait to be taken. */
  get decoded(): number {
    return this.rows.length;
  }

  /** The first `count` decoded rows, no longer held here. */
  take(count: number): Row[] {
    return this.rows.splice(0, count);
  }

  /**
   * The decoded rows not yet taken; throws if the stream stopped inside a tuple or before its
   * end marker.
   */
  end(): Row[] {
    if (!this.ended || this.pending) {
      throw new Error('binary COPY stream ended early (a tuple or the end marker is missing)');
    }
    return this.rows.splice(0);
  }

  /**
   * Decodes the whole tuples in `buf` from `at`; returns where the first incomplete one starts.
   * One loop with a switch on each column's kind, reading through a DataView: on a 25,000-row
   * chunk of the shop's scan, a decoder function per column with Buffer's read methods took
   * 117 ms against 88 ms.
   */
  private tuples(buf: Buffer, at: number): number {
    const { kinds, names, parsers, rows, template, texts } = this;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const width = names.length;
    while (at + 2 <= buf.length) {
      const count = view.getInt16(at);
      if (count === -1) {
        if (at + 2 !== buf.length) {
          throw new Error('binary COPY stream has data after its end marker');
        }
        this.ended = true;
        return buf.length;
      }
      if (count !== width) {
        throw new Error(`binary COPY tuple has ${count} fields, expected ${width}`);
      }
      // Whether the whole tuple is here, before any cell is decoded.
      let end = at + 2;
      for (let i = 0; i < width; i++) {
        if (end + 4 > buf.length) return at;
        const length = view.getInt32(end);
        end += 4 + (length > 0 ? length : 0);
      }
      if (end > buf.length) return at;
      const row: Row = { ...template };
      let cell = at + 2;
      for (let i = 0; i < width; i++) {
        const length = view.getInt32(cell);
        cell += 4;
        if (length < 0) continue;
        let value: unknown;
        switch (kinds[i]) {
          case Kind.BOOL:
            value = buf[cell] !== 0;
            break;
          case Kind.INT2:
            value = view.getInt16(cell);
            break;
          case Kind.INT4:
            value = view.getInt32(cell);
            break;
          case Kind.INT8:
            value = int64Text(view, cell);
            break;
          case Kind.FLOAT8:
            value = view.getFloat64(cell);
            break;
          case Kind.NUMERIC:
            value = numericText(view, cell);
            break;
          case Kind.TIMESTAMPTZ:
            value = timestamptz(view, cell);
            break;
          case Kind.STRING:
            value =
              length > SHORT_TEXT
                ? buf.toString('utf8', cell, cell + length)
                : (texts[i] as ShortTexts).text(buf, cell, length);
            break;
          default:
            value = (parsers[i] as TextParser)(buf.toString('utf8', cell, cell + length));
        }
        row[names[i] as string] = value;
        cell += length;
      }
      rows.push(row);
      at = end;
    }
    return at;
  }
}

/**
 * A column's short texts (a currency, a status, a state, a card's last digits): each cell's
 * bytes hashed to one of SLOTS slots, where the text last seen there is given again when its
 * bytes are the same. A repeated value is then one string, not a new one per row: building
 * them was most of what decoding allocated (1.2 GB for 1,000,000 rows, in runs the garbage
 * collector had to copy while a batch was scored). ASCII is built from its bytes (about twice
 * as fast as Buffer's toString for a few bytes, whose set-up per call outweighs the work).
 */
class ShortTexts {
  private readonly slots: (string | undefined)[] = new Array<string | undefined>(SLOTS);

  text(buf: Buffer, at: number, length: number): string {
    const end = at + length;
    let hash = length;
    for (let i = at; i < end; i++) {
      const byte = buf[i] as number;
      if (byte > 0x7f) return buf.toString('utf8', at, end);
      hash = (Math.imul(hash, 31) + byte) | 0;
    }
    const slot = (hash ^ (hash >>> 8)) & (SLOTS - 1);
    const seen = this.slots[slot];
    if (seen !== undefined && seen.length === length) {
      let same = true;
      for (let i = 0; same && i < length; i++) same = seen.charCodeAt(i) === buf[at + i];
      if (same) return seen;
    }
    let text = '';
    for (let i = at; i < end; i++) text += String.fromCharCode(buf[i] as number);
    this.slots[slot] = text;
    return text;
  }
}
const SLOTS = 256;
const SHORT_TEXT = 16;

const TWO_32 = 4294967296;

/** A big-endian signed 64-bit integer as decimal text. */
function int64Text(view: DataView, at: number): string {
  const high = view.getInt32(at);
  // Exact as a double while |value| < 2^53 (high within ±2^21).
  if (high >= -0x200000 && high < 0x200000) return String(high * TWO_32 + view.getUint32(at + 4));
  return view.getBigInt64(at).toString();
}

const EPOCH_2000_MS = 946_684_800_000; // 2000-01-01 (PostgreSQL's epoch) in Unix milliseconds
const INT64_MAX_HIGH = 0x7fffffff;

/**
 * A timestamptz (microseconds since 2000-01-01 UTC) as the Date pg's text parser makes: the
 * instant to the millisecond below (the text path truncates the fraction's microseconds), and
 * PostgreSQL's infinity and -infinity as pg-types gives them.
 */
function timestamptz(view: DataView, at: number): unknown {
  const high = view.getInt32(at);
  const low = view.getUint32(at + 4);
  if (high === INT64_MAX_HIGH && low === 0xffffffff) return Infinity;
  if (high === -0x80000000 && low === 0) return -Infinity;
  if (high >= -0x200000 && high < 0x200000) {
    return new Date(EPOCH_2000_MS + Math.floor((high * TWO_32 + low) / 1000));
  }
  // Beyond ±285 years of 2000 the microseconds do not fit a double: divided exactly, rounded down.
  const micros = view.getBigInt64(at);
  const millis = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  return new Date(EPOCH_2000_MS + Number(millis));
}

const NUMERIC_NEG = 0x4000;
const NUMERIC_NAN = 0xc000;
const NUMERIC_PINF = 0xd000;
const NUMERIC_NINF = 0xf000;

/**
 * A numeric's binary form (digit count, weight, sign, display scale, then base-10,000 digits)
 * as PostgreSQL's own text output writes it: every integer digit, and exactly `dscale`
 * fractional digits.
 */
function numericText(view: DataView, at: number): string {
  const ndigits = view.getInt16(at);
  const weight = view.getInt16(at + 2);
  const sign = view.getUint16(at + 4);
  const dscale = view.getInt16(at + 6);
  if (sign === NUMERIC_NAN) return 'NaN';
  if (sign === NUMERIC_PINF) return 'Infinity';
  if (sign === NUMERIC_NINF) return '-Infinity';
  const digit = (d: number): number => (d >= 0 && d < ndigits ? view.getInt16(at + 8 + 2 * d) : 0);
  let text = sign === NUMERIC_NEG ? '-' : '';
  if (weight < 0) {
    text += '0';
  } else {
    text += String(digit(0));
    for (let d = 1; d <= weight; d++) text += String(digit(d)).padStart(4, '0');
  }
  if (dscale > 0) {
    let fraction = '';
    for (let d = weight + 1; fraction.length < dscale; d++) {
      fraction += String(digit(d)).padStart(4, '0');
    }
    text += `.${fraction.slice(0, dscale)}`;
  }
  return text;
}

/**
 * `sql` (a statement this scan builds: no comments, dollar quotes or backslash escapes) with its
 * bind parameters `$1`, `$2`, … written in as quoted literals (COPY takes no parameters). A quoted literal is of unknown type, as an untyped bind parameter is, so
 * PostgreSQL infers the same type from its use. Quoted identifiers and string literals are
 * skipped, so a column named `a$1` (names come from the table) keeps its name.
 */
export function withLiterals(
  sql: string,
  values: readonly unknown[],
  escapeLiteral: (text: string) => string
): string {
  return sql.replace(/"(?:[^"]|"")*"|'(?:[^']|'')*'|\$(\d+)/g, (match, index?: string) => {
    if (index === undefined) return match;
    const position = Number(index);
    if (position < 1 || position > values.length) {
      throw new Error(`the query names parameter $${index}, but ${values.length} are given`);
    }
    const value = values[position - 1];
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new Error(`parameter $${index} must be text or a number to be written in`);
    }
    return escapeLiteral(String(value));
  });
}
