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
  /**
   * The model starts from trained weights (carryWeights): the starting weights' validation loss
   * is the one to beat, so a fit that only makes them worse ends with them (bestEpoch -1).
   */
  fromTrained?: boolean;
  /** Called after every epoch (the CLI draws a progress line with it). */
  onEpoch?: (epoch: number, loss: number, valLoss: number) => void;
}

export interface TrainResult {
  epochsRun: number;
  bestEpoch: number;
  bestValLoss: number;
  seconds: number;
}

/** The architecture each model built here was built from (trainAutoencoder's fast path). */
const built = new WeakMap<tfl.LayersModel, Architecture>();

/**
 * The autoencoder: Dense layers with ReLU, optional L2 and dropout after each hidden layer,
 * a mirrored decoder and an output layer as wide as the input. Initializers are seeded, so
 * the same seed builds the same starting weights.
 */
export function buildAutoencoder(arch: Architecture): tfl.LayersModel {
  const model = tfl.sequential();
  built.set(model, arch);
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

/** A forward pass: the reconstruction of a batch, with dropout when `dropoutSeed` is given. */
type Forward = (x: tf.Tensor2D, dropoutSeed?: number) => tf.Tensor;

/**
 * The network of a model built by buildAutoencoder as plain tensor operations on its own
 * variables: the same Dense layers (fused matMul + bias + activation, as tfjs-layers' Dense runs
 * them) without the layers engine's per-call graph walk, which costs more than the arithmetic at
 * these sizes. The penalty is tfjs's L2 regularizer: l2 * sum(kernel²) per hidden kernel.
 */
function tensorNetwork(
  model: tfl.LayersModel,
  arch: Architecture
): { forward: Forward; penalty: () => tf.Scalar | undefined } {
  const dense = model.layers.filter((l) => l.getClassName() === 'Dense');
  const weights = dense.map((l) => {
    const [kernel, bias] = l.trainableWeights.map((w) => w.read());
    if (!kernel || !bias) throw new Error('A Dense layer without kernel and bias.');
    return { kernel: kernel as tf.Tensor2D, bias };
  });
  const hidden = weights.slice(0, -1);
  const last = weights[weights.length - 1] as (typeof weights)[number];
  const forward: Forward = (x, dropoutSeed) => {
    let h: tf.Tensor2D = x;
    hidden.forEach((w, i) => {
      h = tf.fused.matMul({
        a: h,
        b: w.kernel,
        bias: w.bias,
        activation: arch.activation
      }) as tf.Tensor2D;
      if (dropoutSeed !== undefined && arch.dropout > 0)
        h = tf.dropout(h, arch.dropout, undefined, dropoutSeed + i) as tf.Tensor2D;
    });
    const out = tf.fused.matMul({ a: h, b: last.kernel, bias: last.bias });
    return arch.output === 'sigmoid' ? tf.sigmoid(out) : out;
  };
  const penalty = (): tf.Scalar | undefined =>
    arch.l2 > 0
      ? tf.mul<tf.Scalar>(
          arch.l2,
          tf.addN(hidden.map((w) => tf.sum<tf.Scalar>(tf.square(w.kernel))))
        )
      : undefined;
  return { forward, penalty };
}

/**
 * Train with MSE and Adam, one seeded shuffle per epoch, early stopping on the validation loss
 * with the best epoch's weights restored. Data are row-major Float32Arrays of `width` columns.
 *
 * A loop of our own rather than model.fit per epoch: fit's bookkeeping (callbacks, history, a
 * freshly shuffled copy sliced per batch, the layers engine's graph walk) cost several times the
 * arithmetic of a step at these sizes. Here each step copies one batch into a reused buffer and
 * runs optimizer.minimize inside tidy on the loss fit minimizes — the batch MSE with dropout on,
 * plus the L2 penalties — and the epoch's loss is read once, not per step. Dropout is seeded
 * from the training seed (fit's draws from Math.random).
 */
export async function trainAutoencoder(
  model: tfl.LayersModel,
  train: Float32Array,
  validation: Float32Array,
  width: number,
  options: TrainOptions
): Promise<TrainResult> {
  const started = performance.now();
  const arch = built.get(model);
  if (!arch) throw new Error('trainAutoencoder trains models made by buildAutoencoder.');
  const { forward, penalty } = tensorNetwork(model, arch);
  const optimizer = tf.train.adam(options.learningRate ?? 0.001);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const random = new SeededRandom(options.seed);
  const n = train.length / width;
  const batchSize = Math.max(1, Math.min(options.batchSize, n));
  const batch = new Float32Array(batchSize * width);
  const stopper = new BestWeightsEarlyStopping(model, options.patience);
  const xVal = tf.tensor2d(validation, [validation.length / width, width]);
  const validationLoss = (): number =>
    tf.tidy(() => tf.mean(tf.squaredDifference(xVal, forward(xVal))).dataSync()[0] as number);
  let epoch = 0;
  try {
    if (options.fromTrained) stopper.onEpochEnd(-1, validationLoss());
    for (; epoch < options.epochs; epoch++) {
      // Our own seeded shuffle: fit's uses Math.random, which cannot be seeded.
      const order = random.permutation(n);
      const costs: tf.Scalar[] = [];
      for (let start = 0; start < n; start += batchSize) {
        const size = Math.min(batchSize, n - start);
        for (let r = 0; r < size; r++) {
          const src = (order[start + r] as number) * width;
          batch.set(train.subarray(src, src + width), r * width);
        }
        const dropoutSeed = random.int(0, 2 ** 30);
        costs.push(
          tf.tidy(() => {
            const x = tf.tensor2d(batch.subarray(0, size * width), [size, width]);
            const cost = optimizer.minimize(
              () => {
                const loss = tf.mean<tf.Scalar>(tf.squaredDifference(x, forward(x, dropoutSeed)));
                const l2 = penalty();
                return l2 ? tf.add(loss, l2) : loss;
              },
              true,
              variables
            ) as tf.Scalar;
            // Weighted by the batch's rows, so a short last batch counts as little as in fit.
            return tf.mul(cost, size);
          })
        );
      }
      const summed = tf.addN(costs);
      const loss = ((await summed.data())[0] as number) / n;
      summed.dispose();
      costs.forEach((c) => c.dispose());
      const valLoss = validationLoss();
      options.onEpoch?.(epoch, loss, valLoss);
      if (stopper.onEpochEnd(epoch, valLoss)) {
        epoch++;
        break;
      }
    }
  } finally {
    stopper.onTrainEnd();
    xVal.dispose();
    optimizer.dispose();
  }
  return {
    epochsRun: Math.min(epoch, options.epochs),
    bestEpoch: stopper.bestEpoch,
    bestValLoss: stopper.bestLoss,
    seconds: (performance.now() - started) / 1000
  };
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
