import type * as tfl from '@tensorflow/tfjs-layers';
import {
  type Architecture,
  buildAutoencoder,
  reconstructionErrors,
  trainAutoencoder,
  type TrainResult
} from './autoencoder.js';
import { encodedWidth, encodeRows, fitPreprocessing, type Preprocessing } from './preprocessing.js';
import type { FeatureProfile } from '../features/profile.js';
import { SeededRandom } from '../numeric/rng.js';
import { errorStats, type ErrorStats, fencedQuantile, quantile } from '../numeric/stats.js';
import { initTensorflow } from './tf.js';
import { carryWeights } from './warm-start.js';

/** A trained model with everything needed to score new rows the way it was trained. */
export interface Detector {
  profile: FeatureProfile;
  architecture: Architecture;
  preprocessing: Preprocessing;
  model: tfl.LayersModel;
  /** How a row's reconstruction errors become its score (fitted on training rows). */
  scoring: Scoring;
  threshold: number;
  thresholdQuantile: number;
  /** How the threshold was read off the held-out errors (files from before it: empirical). */
  thresholdMethod: ThresholdMethod;
  training: {
    rows: number;
    trainRows: number;
    validationRows: number;
    epochsRun: number;
    bestEpoch: number;
    seconds: number;
    validationErrors: ErrorStats;
    /** Both readings of the held-out errors at `thresholdQuantile`, whichever was used. */
    thresholds?: Record<ThresholdMethod, number>;
    /** Held-out rows the robust reading set aside as far out. */
    heldOutSetAside?: number;
    /** Training rows left out of the second fit (DetectorOptions.trim). */
    trimmedRows?: number;
    /** Epochs of the first fit, when there were two (epochsRun and bestEpoch are the last's). */
    firstFitEpochs?: number;
    createdAt: string;
  };
}

/**
 * empirical: the quantile of the held-out errors as they are. robust: the same after setting
 * aside far-out errors (fencedQuantile) — trained on the shop's own table, the held-out rows
 * hold some of its fraud, and a few fraud rows decide an empirical p99 of a few hundred.
 */
export const THRESHOLD_METHODS = ['robust', 'empirical'] as const;
export type ThresholdMethod = (typeof THRESHOLD_METHODS)[number];

/**
 * A row's score: each feature's reconstruction error (summed over its model inputs — a
 * category's one-hot columns are one feature) divided by that feature's own scale, and the
 * largest of these. The mean squared error over ~30 inputs let one impossible value drown in
 * 29 ordinary ones; here one feature far outside its own range is enough.
 *
 * A scale is a high quantile of the feature's errors on the training rows, so a feature that
 * is hard to reconstruct (amount) needs a proportionally larger error than one the model
 * always gets right (card_expired). The floor keeps the scale of a feature that is always
 * reconstructed exactly from being ~0 (float noise would then be enormous): a broken value of
 * such a feature — a flipped flag, an unseen category, one standard deviation off — scores
 * about 1 / floor.
 */
export interface Scoring {
  method: 'calibrated-max';
  /** Per scoring unit (scoringUnits): each feature, and each categorical's unseen values. */
  scales: number[];
  /** Each scale is this quantile of the feature's errors on the training rows ... */
  quantile: number;
  /** ... and at least this (squared error in model-input units). */
  floor: number;
}

export interface DetectorOptions {
  seed: number;
  epochs: number;
  batchSize: number;
  /** Adam's learning rate. */
  learningRate: number;
  patience: number;
  /** Share of the training rows held out for early stopping and the threshold. */
  validationShare: number;
  /** The threshold is this quantile of the held-out (validation) errors. */
  thresholdQuantile: number;
  thresholdMethod: ThresholdMethod;
  /**
   * Fit twice: the second time without the training rows the first fit could not reconstruct
   * (above its threshold), so fraud among the training rows is not learned as normal.
   */
  trim: boolean;
  /**
   * The second fit starts from the first one's weights (carried over to its preprocessing)
   * instead of from scratch, and keeps them unless it improves on them: a few epochs instead of
   * a whole fit. Its network has then seen the trimmed rows through those weights; the trim
   * still keeps their values out of the categories and the feature scales.
   */
  warmStart: boolean;
  /**
   * The threshold is at least this: a row is flagged only when one feature's error is this many
   * times its scale (the p99.5 of that feature's training errors). Each categorical's rare
   * legitimate values (a family card, a third IP, a trip abroad) sit at about 1 by construction
   * of the scales, and a held-out p99 read off the body of the scores cuts through them; a value
   * training never saw scores about 1 / errorFloor = 20, so 3 keeps a wide margin on both sides.
   */
  minimumThreshold: number;
  /** Scoring.quantile and Scoring.floor. */
  calibrationQuantile: number;
  errorFloor: number;
  encoder: number[];
  l2: number;
  onEpoch?: (epoch: number, loss: number, valLoss: number) => void;
}

export const DEFAULT_DETECTOR_OPTIONS: DetectorOptions = {
  seed: 42,
  epochs: 100,
  // 13 steps an epoch on the original project's 2,400 training rows instead of 75, with Adam's
  // rate raised to match: ~5x less training time at the same detection (measured among nine
  // batch/rate/patience settings: docs/benchmarks.md, "Training time against Keras").
  batchSize: 192,
  learningRate: 0.0075,
  patience: 10,
  validationShare: 0.2,
  thresholdQuantile: 0.99,
  thresholdMethod: 'robust',
  trim: true,
  warmStart: true,
  minimumThreshold: 3,
  calibrationQuantile: 0.995,
  errorFloor: 0.05,
  encoder: [16, 8, 4],
  l2: 0.0001
};

/**
 * Train a detector on rows assumed normal: fit the preprocessing on the training part only,
 * hold out a validation part (seeded) for early stopping, and set the threshold from the
 * validation errors — never from the rows it will later score.
 */
export async function trainDetector(
  profile: FeatureProfile,
  rows: readonly (number | string)[][],
  options: DetectorOptions,
  /** Given validation rows (an evaluation's fixed split); otherwise a seeded share of `rows`. */
  heldOut?: readonly (number | string)[][]
): Promise<Detector> {
  await initTensorflow();
  if (rows.length < 20) {
    throw new Error(`Training needs at least 20 usable rows, got ${rows.length}.`);
  }
  let valRows: (number | string)[][];
  let trainRows: (number | string)[][];
  if (heldOut) {
    valRows = [...heldOut];
    trainRows = [...rows];
  } else {
    const order = new SeededRandom(options.seed).permutation(rows.length);
    const nVal = Math.max(5, Math.round(rows.length * options.validationShare));
    valRows = Array.from(order.subarray(0, nVal), (i) => rows[i] as (number | string)[]);
    trainRows = Array.from(order.subarray(nVal), (i) => rows[i] as (number | string)[]);
  }
  const fit = async (
    rowsToFit: (number | string)[][],
    /** A fit to start from (DetectorOptions.warmStart). */
    from?: { model: tfl.LayersModel; preprocessing: Preprocessing }
  ) => {
    // One row more than the training cap: no single account's values count as seen.
    const preprocessing = fitPreprocessing(
      profile.features,
      rowsToFit,
      undefined,
      undefined,
      (profile.trainingCap?.rows ?? 0) + 1
    );
    const width = encodedWidth(preprocessing);
    const architecture: Architecture = {
      inputs: width,
      encoder: options.encoder,
      activation: 'relu',
      // Standardized inputs are unbounded: a sigmoid could not reproduce them.
      output: 'linear',
      l2: options.l2,
      dropout: 0,
      seed: options.seed
    };
    const model = buildAutoencoder(architecture);
    if (from) carryWeights(from.model, from.preprocessing, model, preprocessing);
    const train = encodeRows(preprocessing, rowsToFit);
    const validation = encodeRows(preprocessing, valRows);
    const result: TrainResult = await trainAutoencoder(model, train, validation, width, {
      epochs: options.epochs,
      batchSize: options.batchSize,
      learningRate: options.learningRate,
      patience: options.patience,
      seed: options.seed,
      fromTrained: from !== undefined,
      onEpoch: options.onEpoch
    });
    const { owners, names } = scoringUnits(preprocessing);
    const features = names.length;
    const trainFeatureErrors = featureErrors(
      reconstructionErrors(model, train, width).perColumn,
      width,
      owners,
      features
    );
    const scoring: Scoring = {
      method: 'calibrated-max',
      scales: featureScales(
        trainFeatureErrors,
        features,
        options.calibrationQuantile,
        options.errorFloor
      ),
      quantile: options.calibrationQuantile,
      floor: options.errorFloor
    };
    const score = (perColumn: Float32Array) =>
      calibratedScores(featureErrors(perColumn, width, owners, features), scoring.scales).scores;
    const errors = score(reconstructionErrors(model, validation, width).perColumn);
    const fenced = fencedQuantile(errors, options.thresholdQuantile);
    const thresholds: Record<ThresholdMethod, number> = {
      empirical: quantile(errors, options.thresholdQuantile),
      robust: fenced.value
    };
    // At most half what a value training never saw scores (1 / errorFloor): above that, no
    // unseen status, count or hour could be flagged. A reading that high means more than 1% of
    // the held-out rows carry values the training rows lack — flagging such values is the point.
    const threshold = Math.min(
      0.5 / options.errorFloor,
      Math.max(options.minimumThreshold, thresholds[options.thresholdMethod])
    );
    const trainErrors = () => calibratedScores(trainFeatureErrors, scoring.scales).scores;
    return {
      preprocessing,
      architecture,
      model,
      scoring,
      result,
      errors,
      fenced,
      thresholds,
      threshold,
      trainErrors
    };
  };

  let fitted = await fit(trainRows);
  let trimmed = 0;
  let earlierSeconds = 0;
  let firstFitEpochs: number | undefined;
  if (options.trim) {
    // The rows the first fit could not reconstruct — above its own threshold — are the ones
    // least like the rest: on the shop's table, the fraud it holds. Fit again without them.
    const errors = fitted.trainErrors();
    const kept = trainRows.filter((_, i) => (errors[i] as number) <= fitted.threshold);
    if (kept.length < trainRows.length && kept.length >= 20) {
      trimmed = trainRows.length - kept.length;
      earlierSeconds = fitted.result.seconds;
      firstFitEpochs = fitted.result.epochsRun;
      const first = fitted;
      fitted = await fit(kept, options.warmStart ? first : undefined);
      first.model.dispose();
    }
  }
  const { preprocessing, architecture, model, scoring, result, errors, fenced, thresholds } =
    fitted;
  return {
    profile,
    architecture,
    preprocessing,
    model,
    scoring,
    threshold: fitted.threshold,
    thresholdQuantile: options.thresholdQuantile,
    thresholdMethod: options.thresholdMethod,
    training: {
      rows: rows.length,
      trainRows: trainRows.length - trimmed,
      trimmedRows: trimmed,
      ...(firstFitEpochs === undefined ? {} : { firstFitEpochs }),
      validationRows: valRows.length,
      epochsRun: result.epochsRun,
      bestEpoch: result.bestEpoch,
      // Both fits, when there were two.
      seconds: earlierSeconds + result.seconds,
      validationErrors: errorStats(errors),
      thresholds,
      heldOutSetAside: fenced.setAside,
      createdAt: new Date().toISOString()
    }
  };
}

/**
 * What a score is made of: one unit per feature, and for a categorical feature a second one,
 * its "other" column — on only for a value training never saw. Kept apart, an unseen value
 * meets a scale near the floor (that column's error is ~0 on every training row) instead of the
 * feature's, which its rare legitimate values make large.
 */
export function scoringUnits(p: Preprocessing): { owners: number[]; names: string[] } {
  const owners: number[] = [];
  const names: string[] = [];
  for (const e of p.encodings) {
    const unit = names.length;
    names.push(e.feature);
    if (e.kind !== 'categorical') {
      owners.push(unit);
      continue;
    }
    for (let k = 0; k < e.categories.length; k++) owners.push(unit);
    owners.push(names.length);
    names.push(`${e.feature} (new value)`);
  }
  return { owners, names };
}

/** Each row's error per feature: the sum of its model inputs' squared errors (row-major). */
export function featureErrors(
  perColumn: Float32Array,
  width: number,
  owners: readonly number[],
  features: number
): Float32Array {
  const n = perColumn.length / width;
  const out = new Float32Array(n * features);
  for (let r = 0; r < n; r++) {
    const from = r * width;
    const to = r * features;
    for (let c = 0; c < width; c++) {
      const at = to + (owners[c] as number);
      out[at] = (out[at] as number) + (perColumn[from + c] as number);
    }
  }
  return out;
}

/** Per feature: the `q` quantile of its errors over the rows, at least `floor`. */
export function featureScales(
  errors: Float32Array,
  features: number,
  q: number,
  floor: number
): number[] {
  const n = errors.length / features;
  const column = new Float32Array(n);
  return Array.from({ length: features }, (_, f) => {
    for (let r = 0; r < n; r++) column[r] = errors[r * features + f] as number;
    return Math.max(floor, n > 0 ? quantile(column, q) : floor);
  });
}

/** Scores (the largest calibrated feature error per row) and every calibrated error. */
export function calibratedScores(
  errors: Float32Array,
  scales: readonly number[]
): { scores: Float32Array; calibrated: Float32Array } {
  const features = scales.length;
  const n = errors.length / features;
  const scores = new Float32Array(n);
  const calibrated = new Float32Array(errors.length);
  for (let r = 0; r < n; r++) {
    let max = 0;
    for (let f = 0; f < features; f++) {
      const v = (errors[r * features + f] as number) / (scales[f] as number);
      calibrated[r * features + f] = v;
      if (v > max) max = v;
    }
    scores[r] = max;
  }
  return { scores, calibrated };
}

export interface Driver {
  feature: string;
  /** Share of the row's calibrated errors (each feature's error over its scale) from this feature. */
  share: number;
}

export interface Scored {
  /** Each row's score: its largest calibrated feature error (Scoring). */
  errors: Float32Array;
  /** The top features behind each row's score. */
  drivers(row: number, top?: number): Driver[];
}

/** Score feature rows: the calibrated score per row and, on demand, the features behind it. */
export function scoreFeatureRows(detector: Detector, rows: readonly (number | string)[][]): Scored {
  const width = encodedWidth(detector.preprocessing);
  const encoded = encodeRows(detector.preprocessing, rows);
  const { perColumn } = reconstructionErrors(detector.model, encoded, width);
  const { owners, names } = scoringUnits(detector.preprocessing);
  const { scores, calibrated } = calibratedScores(
    featureErrors(perColumn, width, owners, names.length),
    detector.scoring.scales
  );
  return {
    errors: scores,
    drivers(row, top = 3) {
      const values = calibrated.subarray(row * names.length, (row + 1) * names.length);
      let total = 0;
      for (const v of values) total += v;
      return names
        .map((feature, i) => ({ feature, share: total > 0 ? (values[i] as number) / total : 0 }))
        .sort((a, b) => b.share - a.share)
        .slice(0, top);
    }
  };
}
