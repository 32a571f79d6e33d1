import type * as tfl from '@tensorflow/tfjs-layers';
import {
  type Architecture,
  buildAutoencoder,
  reconstructionErrors,
  trainAutoencoder,
  type TrainResult
} from './autoencoder.js';
import {
  columnOwners,
  encodedWidth,
  encodeRows,
  fitPreprocessing,
  type Preprocessing
} from './preprocessing.js';
import type { FeatureProfile } from './profile.js';
import { SeededRandom } from './rng.js';
import { errorStats, type ErrorStats, fencedQuantile, quantile } from './stats.js';
import { initTensorflow } from './tf.js';

/** A trained model with everything needed to score new rows the way it was trained. */
export interface Detector {
  profile: FeatureProfile;
  architecture: Architecture;
  preprocessing: Preprocessing;
  model: tfl.LayersModel;
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

export interface DetectorOptions {
  seed: number;
  epochs: number;
  batchSize: number;
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
  encoder: number[];
  l2: number;
  onEpoch?: (epoch: number, loss: number, valLoss: number) => void;
}

export const DEFAULT_DETECTOR_OPTIONS: DetectorOptions = {
  seed: 42,
  epochs: 100,
  batchSize: 32,
  patience: 10,
  validationShare: 0.2,
  thresholdQuantile: 0.99,
  thresholdMethod: 'robust',
  trim: true,
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
  const fit = async (rowsToFit: (number | string)[][]) => {
    const preprocessing = fitPreprocessing(profile.features, rowsToFit);
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
    const train = encodeRows(preprocessing, rowsToFit);
    const validation = encodeRows(preprocessing, valRows);
    const result: TrainResult = await trainAutoencoder(model, train, validation, width, {
      epochs: options.epochs,
      batchSize: options.batchSize,
      patience: options.patience,
      seed: options.seed,
      onEpoch: options.onEpoch
    });
    const { errors } = reconstructionErrors(model, validation, width);
    const fenced = fencedQuantile(errors, options.thresholdQuantile);
    const thresholds: Record<ThresholdMethod, number> = {
      empirical: quantile(errors, options.thresholdQuantile),
      robust: fenced.value
    };
    const threshold = thresholds[options.thresholdMethod];
    const trainErrors = () => reconstructionErrors(model, train, width).errors;
    return {
      preprocessing,
      architecture,
      model,
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
  if (options.trim) {
    // The rows the first fit could not reconstruct — above its own threshold — are the ones
    // least like the rest: on the shop's table, the fraud it holds. Fit again without them.
    const errors = fitted.trainErrors();
    const kept = trainRows.filter((_, i) => (errors[i] as number) <= fitted.threshold);
    if (kept.length < trainRows.length && kept.length >= 20) {
      trimmed = trainRows.length - kept.length;
      earlierSeconds = fitted.result.seconds;
      fitted.model.dispose();
      fitted = await fit(kept);
    }
  }
  const { preprocessing, architecture, model, result, errors, fenced, thresholds } = fitted;
  return {
    profile,
    architecture,
    preprocessing,
    model,
    threshold: fitted.threshold,
    thresholdQuantile: options.thresholdQuantile,
    thresholdMethod: options.thresholdMethod,
    training: {
      rows: rows.length,
      trainRows: trainRows.length - trimmed,
      trimmedRows: trimmed,
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

export interface Driver {
  feature: string;
  /** Share of the row's squared error that came from this feature. */
  share: number;
}

export interface Scored {
  errors: Float32Array;
  /** The top features behind each row's error. */
  drivers(row: number, top?: number): Driver[];
}

/** Score feature rows: reconstruction error per row and, on demand, the features behind it. */
export function scoreFeatureRows(detector: Detector, rows: readonly (number | string)[][]): Scored {
  const width = encodedWidth(detector.preprocessing);
  const encoded = encodeRows(detector.preprocessing, rows);
  const { errors, perColumn } = reconstructionErrors(detector.model, encoded, width);
  const owners = columnOwners(detector.preprocessing);
  const names = detector.preprocessing.encodings.map((e) => e.feature);
  return {
    errors,
    drivers(row, top = 3) {
      const byFeature = new Array<number>(names.length).fill(0);
      let total = 0;
      for (let c = 0; c < width; c++) {
        const v = perColumn[row * width + c] as number;
        const owner = owners[c] as number;
        byFeature[owner] = (byFeature[owner] as number) + v;
        total += v;
      }
      return byFeature
        .map((v, i) => ({ feature: names[i] as string, share: total > 0 ? v / total : 0 }))
        .sort((a, b) => b.share - a.share)
        .slice(0, top);
    }
  };
}
