import * as tfl from '@tensorflow/tfjs-layers';
import { BestWeightsEarlyStopping } from './early-stopping.js';
import { SeededRandom } from '../numeric/rng.js';
import { tf } from './tf.js';

/** Everything needed to rebuild the network's shape; stored in the model file. */
export interface Architecture {
  inputs: number;
  /** Encoder widths; the decoder mirrors them (without the bottleneck). */
  encoder: number[];
  activation: 'relu';
  /** sigmoid for data scaled into [0, 1]; linear for standardized (unbounded) data. */
  output: 'sigmoid' | 'linear';
  l2: number;
  dropout: number;
  seed: number;
}

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  patience: number;
  seed: number;
  learningRate?: number;
  /** Called after every epoch (the CLI draws a progress line with it). */
  onEpoch?: (epoch: number, loss: number, valLoss: number) => void;
}

export interface TrainResult {
  epochsRun: number;
  bestEpoch: number;
  bestValLoss: number;
  seconds: number;
}

/**
 * The autoencoder: Dense layers with ReLU, optional L2 and dropout after each hidden layer,
 * a mirrored decoder and an output layer as wide as the input. Initializers are seeded, so
 * the same seed builds the same starting weights.
 */
export function buildAutoencoder(arch: Architecture): tfl.LayersModel {
  const model = tfl.sequential();
  const hidden = [...arch.encoder, ...arch.encoder.slice(0, -1).reverse()];
  let seed = arch.seed;
  hidden.forEach((units, i) => {
    model.add(
      tfl.layers.dense({
        units,
        activation: arch.activation,
        inputShape: i === 0 ? [arch.inputs] : undefined,
        kernelInitializer: tfl.initializers.glorotUniform({ seed: seed++ }),
        kernelRegularizer: arch.l2 > 0 ? tfl.regularizers.l2({ l2: arch.l2 }) : undefined
      })
    );
    if (arch.dropout > 0) model.add(tfl.layers.dropout({ rate: arch.dropout }));
  });
  model.add(
    tfl.layers.dense({
      units: arch.inputs,
      activation: arch.output,
      kernelInitializer: tfl.initializers.glorotUniform({ seed: seed++ })
    })
  );
  return model;
}

/** Trainable parameter count (the original Keras model has 570). */
export function trainableParameters(model: tfl.LayersModel): number {
  return model.trainableWeights.reduce(
    (sum, w) => sum + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1),
    0
  );
}

function rowsTensor(rows: Float32Array, width: number, order?: Uint32Array): tf.Tensor2D {
  const n = rows.length / width;
  if (!order) return tf.tensor2d(rows, [n, width]);
  const shuffled = new Float32Array(rows.length);
  for (let i = 0; i < n; i++) {
    const src = (order[i] as number) * width;
    shuffled.set(rows.subarray(src, src + width), i * width);
  }
  return tf.tensor2d(shuffled, [n, width]);
}

/**
 * Train with MSE and Adam, one seeded shuffle per epoch, early stopping on the validation loss
 * with the best epoch's weights restored. Data are row-major Float32Arrays of `width` columns.
 */
export async function trainAutoencoder(
  model: tfl.LayersModel,
  train: Float32Array,
  validation: Float32Array,
  width: number,
  options: TrainOptions
): Promise<TrainResult> {
  const started = performance.now();
  model.compile({
    optimizer: tf.train.adam(options.learningRate ?? 0.001),
    loss: 'meanSquaredError'
  });
  const random = new SeededRandom(options.seed);
  const n = train.length / width;
  const stopper = new BestWeightsEarlyStopping(model, options.patience);
  const xVal = rowsTensor(validation, width);
  let epoch = 0;
  try {
    for (; epoch < options.epochs; epoch++) {
      // One fit() epoch over a copy shuffled by our own seeded generator (fit's own shuffle
      // uses Math.random, which cannot be seeded).
      const x = rowsTensor(train, width, random.permutation(n));
      const history = await model.fit(x, x, {
        epochs: 1,
        batchSize: options.batchSize,
        shuffle: false,
        verbose: 0
      });
      x.dispose();
      const loss = history.history.loss?.[0] as number;
      const valLoss = meanSquaredError(model, xVal);
      options.onEpoch?.(epoch, loss, valLoss);
      if (stopper.onEpochEnd(epoch, valLoss)) {
        epoch++;
        break;
      }
    }
  } finally {
    stopper.onTrainEnd();
    xVal.dispose();
  }
  return {
    epochsRun: Math.min(epoch, options.epochs),
    bestEpoch: stopper.bestEpoch,
    bestValLoss: stopper.bestLoss,
    seconds: (performance.now() - started) / 1000
  };
}

/** The plain reconstruction MSE over a set (no regularization term), as Keras's val_loss minus L2. */
function meanSquaredError(model: tfl.LayersModel, x: tf.Tensor2D): number {
  return tf.tidy(() => {
    const y = model.predict(x, { batchSize: x.shape[0] }) as tf.Tensor;
    return tf.mean(tf.square(tf.sub(x, y))).dataSync()[0] as number;
  });
}

/**
 * Reconstruction errors of rows (row-major, `width` columns): the per-row mean squared error
 * and, for explaining flags, each column's squared error.
 */
export function reconstructionErrors(
  model: tfl.LayersModel,
  rows: Float32Array,
  width: number,
  batchSize = 50_000
): { errors: Float32Array; perColumn: Float32Array } {
  const n = rows.length / width;
  const errors = new Float32Array(n);
  const perColumn = new Float32Array(rows.length);
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const chunk = rows.subarray(start * width, (start + size) * width);
    const squared = tf.tidy(() => {
      const x = tf.tensor2d(chunk, [size, width]);
      // predict's default batch of 32 would make this overhead-bound; one call per chunk.
      return tf.square(tf.sub(x, model.predict(x, { batchSize: size }) as tf.Tensor));
    });
    const values = squared.dataSync() as Float32Array;
    squared.dispose();
    perColumn.set(values, start * width);
    for (let r = 0; r < size; r++) {
      let sum = 0;
      for (let c = 0; c < width; c++) sum += values[r * width + c] as number;
      errors[start + r] = sum / width;
    }
  }
  return { errors, perColumn };
}
