import { createReadStream } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { ConfigurationError } from '../../../shared/src/errors.js';
import type { Row } from '../profile.js';
import type { Source } from './source.js';

/**
 * An RFC 4180 parser fed chunk by chunk: quoted fields may hold commas, quotes ("") and line
 * breaks, and a record may span chunks. Empty unquoted fields become null, like a database's
 * NULL in an export.
 */
export class CsvParser {
  private field = '';
  private record: (string | null)[] = [];
  private inQuotes = false;
  private quoted = false;
  private afterQuote = false;

  /** Feed text; returns the records completed by it. */
  push(chunk: string): (string | null)[][] {
    const done: (string | null)[][] = [];
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk[i] as string;
      if (this.inQuotes) {
        if (ch === '"') {
          if (chunk[i + 1] === '"') {
            this.field += '"';
            i++;
          } else if (i + 1 === chunk.length) {
            // A quote at the chunk's end: whether it is doubled shows in the next chunk.
            this.inQuotes = false;
            this.afterQuote = true;
          } else {
            this.inQuotes = false;
          }
        } else {
          this.field += ch;
        }
        continue;
      }
      if (this.afterQuote) {
        this.afterQuote = false;
        if (ch === '"') {
          this.field += '"';
          this.inQuotes = true;
          continue;
        }
      }
      if (ch === '"' && this.field === '') {
        this.inQuotes = true;
        this.quoted = true;
      } else if (ch === ',') {
        this.endField();
      } else if (ch === '\n') {
        this.endField();
        done.push(this.record);
        this.record = [];
      } else if (ch !== '\r') {
        this.field += ch;
      }
    }
    return done;
  }

  /** The last record when the text did not end with a line break. */
  end(): (string | null)[][] {
    if (this.field === '' && this.record.length === 0 && !this.quoted) return [];
    this.endField();
    const last = this.record;
    this.record = [];
    return [last];
  }

  private endField(): void {
    this.record.push(this.field === '' && !this.quoted ? null : this.field);
    this.field = '';
    this.quoted = false;
  }
}

async function* records(file: string): AsyncGenerator<(string | null)[]> {
  const parser = new CsvParser();
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 });
  for await (const chunk of stream) yield* parser.push(chunk as string);
  yield* parser.end();
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
      if (record.length === 1 && record[0] === null) continue; // blank line
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
