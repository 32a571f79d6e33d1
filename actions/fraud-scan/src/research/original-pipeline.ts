import {
  type Architecture,
  buildAutoencoder,
  reconstructionErrors,
  trainableParameters,
  trainAutoencoder
} from '../model/autoencoder.js';
import { type Row, text } from '../features/row.js';
import { SeededRandom } from '../numeric/rng.js';
import { errorStats, type ErrorStats, quantile } from '../numeric/stats.js';
import { initTensorflow } from '../model/tf.js';

/**
 * The original Keras fraud pipeline (of the project this toolkit replaced) as its write-up
 * describes it, kept apart from the real detector because it is only here to be reproduced and
 * compared: six raw columns (user id and card number read as magnitudes among them), rows with
 * nulls dropped, text label-encoded, everything standardized, an 80/20 split, a [16, 8, 4] ReLU
 * autoencoder with L2 0.001, dropout 0.2 and a sigmoid output, and the threshold at the 95th
 * percentile of the test errors.
 */
export const ORIGINAL_FEATURES = [
  'user_id',
  'card_number',
  'exp_month',
  'exp_year',
  'address_state',
  'address_zip'
];

export const ORIGINAL_ARCHITECTURE: Omit<Architecture, 'seed'> = {
  inputs: ORIGINAL_FEATURES.length,
  encoder: [16, 8, 4],
  activation: 'relu',
  output: 'sigmoid',
  l2: 0.001,
  dropout: 0.2
};

/** The original project's published figures (its results.png and write-up). */
export const ORIGINAL_PUBLISHED = {
  trainableParameters: 570,
  threshold: 2.0501,
  errors: { mean: 0.9018, median: 0.8045, min: 0.0258, max: 3.4886, std: 0.5461 },
  testAnomalies: 30,
  testShare: 0.0499,
  fraudAnomalies: 718,
  fraudRows: 1052,
  fraudShare: 0.6825
};

/** Label encoding and standard scaling fitted on one table, applied to others. */
export class OriginalEncoding {
  private readonly labels = new Map<string, Map<string, number>>();
  private mean: number[] = [];
  private std: number[] = [];

  /** Rows whose six columns are all present and finite (the original pipeline's dropna). */
  static clean(rows: readonly Row[]): Row[] {
    return rows.filter((r) =>
      ORIGINAL_FEATURES.every((c) => {
        const v = r[c];
        if (text(v) === '') return false;
        const n = Number(v);
        return Number.isNaN(n) || Number.isFinite(n);
      })
    );
  }

  fit(rows: readonly Row[]): this {
    for (const column of ORIGINAL_FEATURES) {
      const numeric = rows.every((r) => Number.isFinite(Number(r[column])));
      if (numeric) continue;
      const classes = [...new Set(rows.map((r) => String(r[column])))].sort();
      this.labels.set(column, new Map(classes.map((c, i) => [c, i])));
    }
    const raw = rows.map((r) => this.raw(r));
    this.mean = ORIGINAL_FEATURES.map(
      (_, c) => raw.reduce((s, r) => s + (r[c] as number), 0) / raw.length
    );
    this.std = ORIGINAL_FEATURES.map((_, c) => {
      const m = this.mean[c] as number;
      const sd = Math.sqrt(raw.reduce((s, r) => s + ((r[c] as number) - m) ** 2, 0) / raw.length);
      return sd > 0 ? sd : 1;
    });
    return this;
  }

  private raw(row: Row): number[] {
    return ORIGINAL_FEATURES.map((column) => {
      const labels = this.labels.get(column);
      // An unseen category becomes -1.
      return labels ? (labels.get(String(row[column])) ?? -1) : Number(row[column]);
    });
  }

  transform(rows: readonly Row[]): Float32Array {
    const out = new Float32Array(rows.length * ORIGINAL_FEATURES.length);
    rows.forEach((row, r) =>
      this.raw(row).forEach((v, c) => {
        out[r * ORIGINAL_FEATURES.length + c] =
          (v - (this.mean[c] as number)) / (this.std[c] as number);
      })
    );
    return out;
  }
}

export interface OriginalModelRun {
  parameters: number;
  epochsRun: number;
  seconds: number;
  threshold: number;
  thresholdErrors: ErrorStats;
  thresholdAnomalies: number;
  score(matrix: Float32Array): Float32Array;
}

/** Train the original Keras network on a scaled matrix; the threshold is the 95th percentile of `thresholdOn`'s errors. */
export async function trainOriginalModel(
  train: Float32Array,
  validation: Float32Array,
  thresholdOn: Float32Array,
  seed: number,
  epochs = 100
): Promise<OriginalModelRun> {
  await initTensorflow();
  const width = ORIGINAL_FEATURES.length;
  const model = buildAutoencoder({ ...ORIGINAL_ARCHITECTURE, seed });
  const result = await trainAutoencoder(model, train, validation, width, {
    epochs,
    batchSize: 32,
    patience: 10,
    seed
  });
  const errors = reconstructionErrors(model, thresholdOn, width).errors;
  const threshold = quantile(errors, 0.95);
  return {
    parameters: trainableParameters(model),
    epochsRun: result.epochsRun,
    seconds: result.seconds,
    threshold,
    thresholdErrors: errorStats(errors),
    thresholdAnomalies: errors.filter((e) => e > threshold).length,
    score: (matrix) => reconstructionErrors(model, matrix, width).errors
  };
}

export interface Reproduction {
  rowsAfterCleaning: number;
  trainRows: number;
  testRows: number;
  run: OriginalModelRun;
  fraudRows: number;
  fraudAnomalies: number;
  fraudErrors: Float32Array;
  fraudMatrix: Float32Array;
}

/** The original project's experiment end to end: train on the normal table, threshold from its test split, score the fraud file. */
export async function reproduceOriginal(
  normal: readonly Row[],
  fraud: readonly Row[],
  seed = 42,
  epochs = 100
): Promise<Reproduction> {
  const cleaned = OriginalEncoding.clean(normal);
  const encoding = new OriginalEncoding().fit(cleaned);
  const order = new SeededRandom(seed).permutation(cleaned.length);
  const nTest = Math.ceil(cleaned.length * 0.2);
  const test = Array.from(order.subarray(0, nTest), (i) => cleaned[i] as Row);
  const train = Array.from(order.subarray(nTest), (i) => cleaned[i] as Row);
  const testMatrix = encoding.transform(test);
  // As in the original pipeline: the test split is also the validation data for early stopping.
  const run = await trainOriginalModel(
    encoding.transform(train),
    testMatrix,
    testMatrix,
    seed,
    epochs
  );
  const fraudMatrix = encoding.transform(fraud);
  const fraudErrors = run.score(fraudMatrix);
  return {
    fraudMatrix,
    rowsAfterCleaning: cleaned.length,
    trainRows: train.length,
    testRows: test.length,
    run,
    fraudRows: fraud.length,
    fraudAnomalies: fraudErrors.filter((e) => e > run.threshold).length,
    fraudErrors
  };
}
