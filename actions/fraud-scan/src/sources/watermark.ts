import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { ConfigurationError } from '../../../shared/src/errors.js';
import type { FeatureProfile } from '../features/profile.js';

/**
 * Where the last successful scan stopped, kept beside the model file (the workflow caches the
 * two together), one entry per source. A scan reads the rows since it: created at or after
 * the watermark's time less an overlap margin, or with a higher id than any scanned — so a row
 * committed late with an earlier created_at, a clock that ran behind, or a second row on the
 * same timestamp is still read — and skips the ids it already scanned inside the margin.
 */
export const WATERMARK_FORMAT = 'fraud-scan-watermark';
export const WATERMARK_FORMAT_VERSION = 1;
/** How far before the watermark's time a scan reads again (late commits, clock skew). */
export const OVERLAP_MS = 60 * 60_000;

export interface SourceMark {
  /** The latest created_at scanned (ISO 8601, UTC). */
  createdAt: string;
  /** The highest id scanned (an integer, as text), or null when the ids are not integers. */
  id: string | null;
  /** Ids scanned whose created_at lies within OVERLAP_MS of createdAt: the next scan skips them. */
  recentIds: string[];
  scannedAt: string;
  rows: number;
}

export interface WatermarkFile {
  format: typeof WATERMARK_FORMAT;
  formatVersion: number;
  profile: FeatureProfile['name'];
  /** The model's training.createdAt: a watermark belongs to the model that scanned the rows. */
  model: string;
  sources: Record<string, SourceMark>;
}

/** The watermark file beside a model file: fraud-scan/model.json → fraud-scan/model.watermark.json. */
export function watermarkPath(modelPath: string): string {
  return modelPath.replace(/(\.json)?$/i, '.watermark.json');
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const INTEGER = /^-?\d{1,19}$/;

/**
 * Read a watermark file; undefined when there is none. A file that does not parse, is of
 * another format, or belongs to another profile is an error naming it: scanning everything
 * instead would be silent, skipping rows worse.
 */
export function readWatermark(
  file: string,
  profile: FeatureProfile['name']
): WatermarkFile | undefined {
  if (!existsSync(file)) return undefined;
  const bad = (why: string): ConfigurationError =>
    new ConfigurationError(
      `Watermark file "${file}" ${why}. Delete it, or scan with full-scan: true (--full-scan), which scans every row and writes a new one.`
    );
  let body: WatermarkFile;
  try {
    body = JSON.parse(readFileSync(file, 'utf8')) as WatermarkFile;
  } catch (error) {
    throw bad(`cannot be read: ${(error as Error).message}`);
  }
  if (body === null || typeof body !== 'object' || body.format !== WATERMARK_FORMAT) {
    throw bad('is not a fraud-scan watermark');
  }
  if (body.formatVersion !== WATERMARK_FORMAT_VERSION) {
    throw bad(
      `has format version ${String(body.formatVersion)}; this fraud-scan reads ${WATERMARK_FORMAT_VERSION}`
    );
  }
  if (body.profile !== profile) {
    throw new ConfigurationError(
      `Watermark file "${file}" was written for the "${String(body.profile)}" feature profile, but this scan uses "${profile}": pass the matching profile, or the model and watermark of this one.`
    );
  }
  if (typeof body.model !== 'string' || !body.sources || typeof body.sources !== 'object') {
    throw bad('lacks its model or sources');
  }
  for (const [key, mark] of Object.entries(body.sources)) {
    const ok =
      mark !== null &&
      typeof mark === 'object' &&
      typeof mark.createdAt === 'string' &&
      ISO.test(mark.createdAt) &&
      Number.isFinite(Date.parse(mark.createdAt)) &&
      (mark.id === null || (typeof mark.id === 'string' && INTEGER.test(mark.id))) &&
      Array.isArray(mark.recentIds) &&
      mark.recentIds.every((id) => typeof id === 'string');
    if (!ok) throw bad(`has an unreadable entry for ${key}`);
  }
  return body;
}

/** Write a watermark file whole or not at all (a temporary file renamed over the old one). */
export function writeWatermark(file: string, body: WatermarkFile): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, `${JSON.stringify(body, null, 1)}\n`);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** What an incremental scan reads, from a source's mark and the aggregate window. */
export interface Since {
  /** Rows created at or after this ... */
  from: Date;
  /** ... or with an id above this (integer text; null: by time only). */
  afterId: string | null;
  /**
   * Aggregates count the rows created at or after this (and every row the scan reads); null:
   * every row of the table, as training, a full scan and the backend's scoring at checkout do.
   */
  contextFrom: Date | null;
  /** Ids already scanned, read again inside the overlap margin and skipped. */
  skipIds: ReadonlySet<string>;
}

/** The window's start before `from`; none for an infinite window (`all`). */
function contextBefore(from: Date, windowMs: number): Date | null {
  return Number.isFinite(windowMs) ? new Date(from.getTime() - windowMs) : null;
}

export function sinceMark(mark: SourceMark, windowMs: number): Since {
  const from = new Date(Date.parse(mark.createdAt) - OVERLAP_MS);
  return {
    from,
    afterId: mark.id,
    contextFrom: contextBefore(from, windowMs),
    skipIds: new Set(mark.recentIds)
  };
}

/** A given instant (--since): every row created at or after it, nothing skipped. */
export function sinceInstant(from: Date, windowMs: number): Since {
  return {
    from,
    afterId: null,
    contextFrom: contextBefore(from, windowMs),
    skipIds: new Set()
  };
}

/**
 * Follows the rows a scan reads and makes the next mark: the latest created_at, the highest
 * integer id, and the ids within the overlap margin of that time. Memory: the ids of one
 * overlap margin's rows.
 */
export class MarkTracker {
  private latest = Number.NEGATIVE_INFINITY;
  /** The highest integer id seen, as its text. */
  private maxId: string | undefined;
  private integerIds = true;
  private recent: { at: number; id: string }[] = [];
  rows = 0;

  constructor(private readonly previous?: SourceMark) {
    if (previous) {
      // A later scan never moves the mark back (a --since scan of an earlier period).
      this.latest = Date.parse(previous.createdAt);
      if (previous.id !== null) this.maxId = previous.id;
      for (const id of previous.recentIds) this.recent.push({ at: this.latest, id });
    }
  }

  /** A row read (scored or not); `at` is its created_at in ms, or undefined when unreadable. */
  see(id: string, at: number | undefined): void {
    this.rows++;
    if (this.integerIds) {
      if (INTEGER.test(id)) {
        if (this.maxId === undefined || integerAbove(id, this.maxId)) this.maxId = id;
      } else this.integerIds = false;
    }
    if (at === undefined) return;
    if (at > this.latest) {
      this.latest = at;
      // Prune lazily: the list holds about one overlap margin of rows.
      if (this.recent.length > 1024 && (this.recent[0]?.at ?? at) < at - 2 * OVERLAP_MS) {
        this.recent = this.recent.filter((r) => r.at >= at - OVERLAP_MS);
      }
    }
    if (at >= this.latest - OVERLAP_MS) this.recent.push({ at, id });
  }

  /** The next mark, or the previous one when nothing with a timestamp was read. */
  mark(now: Date): SourceMark | undefined {
    if (!Number.isFinite(this.latest)) return this.previous;
    const recentIds = [
      ...new Set(this.recent.filter((r) => r.at >= this.latest - OVERLAP_MS).map((r) => r.id))
    ];
    return {
      createdAt: new Date(this.latest).toISOString(),
      id: this.integerIds && this.maxId !== undefined ? BigInt(this.maxId).toString() : null,
      recentIds,
      scannedAt: now.toISOString(),
      rows: this.rows
    };
  }
}

/** Integer text without a leading zero or a minus zero: ordered by sign, length, then digits. */
const CANONICAL = /^(0|-?[1-9]\d*)$/;

/**
 * Whether integer text `a` is above `b`: compared as text when both are written canonically
 * (a BigInt per row was most of what following the ids cost), else as BigInts.
 */
export function integerAbove(a: string, b: string): boolean {
  if (!CANONICAL.test(a) || !CANONICAL.test(b)) return BigInt(a) > BigInt(b);
  const negative = a.startsWith('-');
  if (negative !== b.startsWith('-')) return !negative;
  if (a.length !== b.length) return negative ? a.length < b.length : a.length > b.length;
  return negative ? a < b : a > b;
}

/** "30d", "12h", "90m" or "0" → milliseconds; an error naming `name` otherwise. */
export function parseWindow(raw: string, name: string): number {
  if (raw.trim().toLowerCase() === 'all') return Number.POSITIVE_INFINITY;
  const m = /^(\d{1,6})\s*([dhm]?)$/.exec(raw.trim());
  if (!m || (m[2] === '' && m[1] !== '0')) {
    throw new ConfigurationError(
      `${name} must be "all" or a duration such as 30d, 12h or 90m (days, hours, minutes), got "${raw}".`
    );
  }
  const unit = { d: 86_400_000, h: 3_600_000, m: 60_000, '': 0 }[m[2] as 'd' | 'h' | 'm' | ''];
  return Number(m[1]) * unit;
}

/** An ISO 8601 instant with a date and a zone (or a plain date, read as UTC midnight). */
export function parseInstant(raw: string, name: string): Date {
  const trimmed = raw.trim();
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(trimmed)
    ? Date.parse(`${trimmed}T00:00:00Z`)
    : /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(trimmed)
      ? Date.parse(trimmed.replace(' ', 'T'))
      : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new ConfigurationError(
      `${name} must be an ISO 8601 date or instant with a zone (2026-03-01 or 2026-03-01T00:00:00Z), got "${raw}".`
    );
  }
  return new Date(ms);
}
