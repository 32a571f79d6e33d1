import {
  DEFAULT_DETECTOR_OPTIONS,
  type DetectorOptions,
  scoreFeatureRows,
  trainDetector
} from '../model/detector.js';
import type { FeatureProfile } from '../features/profile.js';
import type { Row } from '../features/row.js';
import { SeededRandom } from '../numeric/rng.js';
import { OriginalEncoding, trainOriginalModel } from './original-pipeline.js';
import { prAuc, rocAuc, shareAbove } from '../numeric/stats.js';

/**
 * An honest evaluation on labelled data: the normal rows are split (seeded) into train 60%,
 * validation 20% and test 20%; models learn from train, stop early and set their threshold on
 * validation, and are then measured on the untouched test normals and on every fraud row —
 * which no model ever sees while training or choosing its threshold.
 */

export interface Metrics {
  model: string;
  threshold: number;
  recall: number;
  fpr: number;
  rocAuc: number;
  prAuc: number;
  seconds: number;
}

export interface Evaluation {
  split: {
    train: number;
    validation: number;
    test: number;
    fraud: number;
    unusableNormal: number;
    unusableFraud: number;
  };
  rows: Metrics[];
}

/** Feature rows of a table, with cross-row features computed over that table. */
export function featurize(
  profile: FeatureProfile,
  rows: readonly Row[]
): { values: (number | string)[][]; kept: number[]; unusable: number } {
  const aggregate = profile.newAggregate();
  rows.forEach((r) => aggregate.add(r));
  const values: (number | string)[][] = [];
  const kept: number[] = [];
  rows.forEach((r, i) => {
    const e = profile.extract(r, aggregate);
    if (e.ok) {
      values.push(e.values);
      kept.push(i);
    }
  });
  return { values, kept, unusable: rows.length - values.length };
}

/** A profile with some features left out (for ablations). */
export function withoutFeatures(profile: FeatureProfile, drop: readonly string[]): FeatureProfile {
  const keep = profile.features.map((f) => !drop.includes(f.name));
  return {
    ...profile,
    features: profile.features.filter((_, i) => keep[i]),
    extract(row, aggregate) {
      const e = profile.extract(row, aggregate);
      return e.ok ? { ok: true, values: e.values.filter((_, i) => keep[i]) } : e;
    }
  };
}

export interface EvaluateOptions {
  seed: number;
  epochs: number;
  thresholdQuantile: number;
  /** Extra variants of the profile, e.g. without the features an artefact could explain. */
  ablations?: { name: string; drop: string[] }[];
  /** Also train and score the original Keras pipeline's model (default true). */
  includeOriginal?: boolean;
  /** Training options of our detector beyond the defaults (a training benchmark's variants). */
  detector?: Partial<DetectorOptions>;
}

export async function evaluate(
  profile: FeatureProfile,
  normal: readonly Row[],
  fraud: readonly Row[],
  options: EvaluateOptions
): Promise<Evaluation> {
  const order = new SeededRandom(options.seed + 1).permutation(normal.length);
  const n = normal.length;
  const nTest = Math.round(n * 0.2);
  const nVal = Math.round(n * 0.2);
  const part = (from: number, to: number): number[] => Array.from(order.subarray(from, to));
  const testIdx = new Set(part(0, nTest));
  const valIdx = new Set(part(nTest, nTest + nVal));
  const trainIdx = new Set(part(nTest + nVal, n));

  const rows: Metrics[] = [];
  const normalFeatures = featurize(profile, normal);
  const fraudFeatures = featurize(profile, fraud);
  const pick = (set: Set<number>): (number | string)[][] =>
    normalFeatures.values.filter((_, k) => set.has(normalFeatures.kept[k] as number));

  const variants = [
    { name: `ours (${profile.name}, all features)`, drop: [] as string[] },
    ...(options.ablations ?? [])
  ];
  for (const variant of variants) {
    const p = variant.drop.length ? withoutFeatures(profile, variant.drop) : profile;
    const strip = (vals: (number | string)[][]): (number | string)[][] => {
      if (!variant.drop.length) return vals;
      const keep = profile.features.map((f) => !variant.drop.includes(f.name));
      return vals.map((v) => v.filter((_, i) => keep[i]));
    };
    const started = performance.now();
    const detector = await trainDetector(
      p,
      strip(pick(trainIdx)),
      {
        ...DEFAULT_DETECTOR_OPTIONS,
        seed: options.seed,
        epochs: options.epochs,
        thresholdQuantile: options.thresholdQuantile,
        ...options.detector
      },
      strip(pick(valIdx))
    );
    const seconds = (performance.now() - started) / 1000;
    const testErrors = scoreFeatureRows(detector, strip(pick(testIdx))).errors;
    const fraudErrors = scoreFeatureRows(detector, strip(fraudFeatures.values)).errors;
    rows.push({
      model: variant.drop.length ? `ours, ${variant.name}` : variant.name,
      threshold: detector.threshold,
      recall: shareAbove(fraudErrors, detector.threshold),
      fpr: shareAbove(testErrors, detector.threshold),
      rocAuc: rocAuc(fraudErrors, testErrors),
      prAuc: prAuc(fraudErrors, testErrors),
      seconds
    });
    detector.model.dispose();
  }

  if (options.includeOriginal !== false) {
    const byIdx = (set: Set<number>): Row[] =>
      OriginalEncoding.clean([...set].sort((a, b) => a - b).map((i) => normal[i] as Row));
    const encoding = new OriginalEncoding().fit(byIdx(trainIdx));
    const val = encoding.transform(byIdx(valIdx));
    const started = performance.now();
    const run = await trainOriginalModel(
      encoding.transform(byIdx(trainIdx)),
      val,
      val,
      options.seed,
      options.epochs
    );
    const seconds = (performance.now() - started) / 1000;
    const testErrors = run.score(encoding.transform(byIdx(testIdx)));
    const fraudErrors = run.score(encoding.transform(fraud));
    rows.push({
      model: "the original project's model (6 raw columns, p95 of validation errors)",
      threshold: run.threshold,
      recall: shareAbove(fraudErrors, run.threshold),
      fpr: shareAbove(testErrors, run.threshold),
      rocAuc: rocAuc(fraudErrors, testErrors),
      prAuc: prAuc(fraudErrors, testErrors),
      seconds
    });
  }
  return {
    split: {
      train: trainIdx.size,
      validation: valIdx.size,
      test: testIdx.size,
      fraud: fraudFeatures.values.length,
      unusableNormal: normalFeatures.unusable,
      unusableFraud: fraudFeatures.unusable
    },
    rows
  };
}
