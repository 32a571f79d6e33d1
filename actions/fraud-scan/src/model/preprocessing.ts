import type { FeatureSpec } from '../features/profile.js';

/**
 * Feature values → model inputs, with every parameter fitted on training rows only:
 * numeric features are standardized (mean/std of the training rows; a feature that never
 * varied in training gets scale 1, so any change still shows), binary ones pass as 0/1, and
 * categorical ones are one-hot over the categories training saw, plus one "other" column that
 * catches categories first met while scoring.
 */

export type ColumnEncoding =
  | { feature: string; kind: 'numeric'; mean: number; std: number }
  | { feature: string; kind: 'binary' }
  | { feature: string; kind: 'categorical'; categories: string[] };

export interface Preprocessing {
  encodings: ColumnEncoding[];
  /** Standardized values are clipped to ±clip so one absurd value cannot swamp a row's error. */
  clip: number;
}

/** How many model inputs one encoding produces: a categorical's categories and its "other". */
function encodingWidth(e: ColumnEncoding): number {
  return e.kind === 'categorical' ? e.categories.length + 1 : 1;
}

/** How many model inputs the encodings produce. */
export function encodedWidth(p: Preprocessing): number {
  return p.encodings.reduce((w, e) => w + encodingWidth(e), 0);
}

/** The first model input of each encoding. */
export function encodingOffsets(p: Preprocessing): number[] {
  const out: number[] = [];
  let at = 0;
  for (const e of p.encodings) {
    out.push(at);
    at += encodingWidth(e);
  }
  return out;
}

/** For each model input, the index of the feature it came from (to explain errors per feature). */
export function columnOwners(p: Preprocessing): number[] {
  const owners: number[] = [];
  p.encodings.forEach((e, i) => {
    for (let k = 0; k < encodingWidth(e); k++) owners.push(i);
  });
  return owners;
}

/** Fit encodings on training rows' feature values. */
export function fitPreprocessing(
  features: readonly FeatureSpec[],
  rows: readonly (number | string)[][],
  clip = 10,
  maxCategories = 30,
  /**
   * A category needs at least this many training rows to count as seen; rarer ones go to the
   * "other" column. With a training cap of k rows per account, k + 1 means no single account
   * can make its own values normal: the 5 capped rows of a card-testing account made its
   * "17-32 cards per user", its status and decline code known categories and set their
   * scales (card testing 17/30 on one shop table when only the counts had the rule).
   */
  minCategoryRows = 1
): Preprocessing {
  const encodings = features.map((spec, i): ColumnEncoding => {
    if (spec.kind === 'binary') return { feature: spec.name, kind: 'binary' };
    if (spec.kind === 'categorical') {
      const counts = new Map<string, number>();
      for (const row of rows) counts.set(String(row[i]), (counts.get(String(row[i])) ?? 0) + 1);
      const categories = [...counts.entries()]
        .filter(([, n]) => n >= minCategoryRows)
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, maxCategories)
        .map(([c]) => c)
        .sort();
      return { feature: spec.name, kind: 'categorical', categories };
    }
    let mean = 0;
    for (const row of rows) mean += row[i] as number;
    mean /= Math.max(1, rows.length);
    let variance = 0;
    for (const row of rows) variance += ((row[i] as number) - mean) ** 2;
    const std = Math.sqrt(variance / Math.max(1, rows.length));
    return { feature: spec.name, kind: 'numeric', mean, std: std > 1e-6 ? std : 1 };
  });
  return { encodings, clip };
}

/** Encode one row into `out` at `offset`. */
export function encodeRow(
  p: Preprocessing,
  values: readonly (number | string)[],
  out: Float32Array,
  offset: number
): void {
  let o = offset;
  const { encodings } = p;
  for (let i = 0; i < encodings.length; i++) {
    const e = encodings[i] as ColumnEncoding;
    const value = values[i];
    if (e.kind === 'binary') {
      out[o++] = Number(value) > 0 ? 1 : 0;
    } else if (e.kind === 'numeric') {
      const z = ((value as number) - e.mean) / e.std;
      out[o++] = Math.max(-p.clip, Math.min(p.clip, z));
    } else {
      const index = e.categories.indexOf(String(value));
      for (let k = 0; k <= e.categories.length; k++) out[o + k] = 0;
      out[o + (index === -1 ? e.categories.length : index)] = 1;
      o += e.categories.length + 1;
    }
  }
}

/** Encode many rows into one row-major matrix. */
export function encodeRows(p: Preprocessing, rows: readonly (number | string)[][]): Float32Array {
  const width = encodedWidth(p);
  const out = new Float32Array(rows.length * width);
  for (let r = 0; r < rows.length; r++)
    encodeRow(p, rows[r] as (number | string)[], out, r * width);
  return out;
}
