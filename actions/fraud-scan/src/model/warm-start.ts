import type * as tfl from '@tensorflow/tfjs-layers';
import { type ColumnEncoding, encodingOffsets, type Preprocessing } from './preprocessing.js';
import { tf } from './tf.js';

/**
 * Where one model input of `to` comes from in `from`: the column and, for a standardized
 * feature, how to turn `to`'s value into `from`'s (x_from = a * x_to + b).
 */
interface Source {
  column: number;
  a: number;
  b: number;
}

function sources(from: Preprocessing, to: Preprocessing): Source[] {
  const fromAt = encodingOffsets(from);
  const out: Source[] = [];
  to.encodings.forEach((e: ColumnEncoding, i) => {
    const f = from.encodings[i];
    const at = fromAt[i] as number;
    if (!f || f.feature !== e.feature || f.kind !== e.kind) {
      throw new Error(`Cannot carry weights over: feature ${i} is not ${e.feature} in both.`);
    }
    if (e.kind === 'numeric' && f.kind === 'numeric') {
      // (v - m_to) / s_to = x_to  →  x_from = (v - m_from) / s_from = (s_to x_to + m_to - m_from) / s_from
      out.push({ column: at, a: e.std / f.std, b: (e.mean - f.mean) / f.std });
    } else if (e.kind === 'categorical' && f.kind === 'categorical') {
      const other = at + f.categories.length;
      // A category `from` did not keep went to its "other" column there; so does `to`'s "other".
      for (const c of e.categories) {
        const k = f.categories.indexOf(c);
        out.push({ column: k === -1 ? other : at + k, a: 1, b: 0 });
      }
      out.push({ column: other, a: 1, b: 0 });
    } else {
      out.push({ column: at, a: 1, b: 0 });
    }
  });
  return out;
}

/**
 * Start `to` where `from` ended: copy the weights of a network of the same hidden shape trained
 * on another fit of the preprocessing (the same features; other means, deviations and kept
 * categories), re-expressed so that `to` computes what `from` did on every row whose values both
 * encodings keep. The first layer's kernel rows and the last layer's columns follow the inputs
 * (scaled for a standardized feature, its bias shifted); the layers between are copied as they
 * are. Used to start the second fit (DetectorOptions.trim) from the first instead of from scratch.
 */
export function carryWeights(
  from: tfl.LayersModel,
  fromPreprocessing: Preprocessing,
  to: tfl.LayersModel,
  toPreprocessing: Preprocessing
): void {
  const map = sources(fromPreprocessing, toPreprocessing);
  const weights = from.getWeights();
  const shapes = to.getWeights().map((w) => w.shape);
  if (weights.length !== shapes.length || weights.length < 4) {
    throw new Error('Cannot carry weights over: the networks differ in shape.');
  }
  const values = weights.map((w) => w.dataSync() as Float32Array);
  const out = values.map((v) => Float32Array.from(v));
  const hidden = shapes[0]?.[1] as number;
  const width = map.length;
  const fromWidth = weights[0]?.shape[0] as number;

  // First layer: kernel [width, hidden], bias [hidden].
  const k0 = values[0] as Float32Array;
  const kernel0 = new Float32Array(width * hidden);
  const bias0 = Float32Array.from(values[1] as Float32Array);
  map.forEach(({ column, a, b }, j) => {
    for (let h = 0; h < hidden; h++) {
      const w = k0[column * hidden + h] as number;
      kernel0[j * hidden + h] = w * a;
      bias0[h] = (bias0[h] as number) + w * b;
    }
  });
  out[0] = kernel0;
  out[1] = bias0;

  // Last layer: kernel [last hidden, width], bias [width]; x_to = (x_from - b) / a.
  const n = values.length;
  const kLast = values[n - 2] as Float32Array;
  const bLast = values[n - 1] as Float32Array;
  const inner = weights[n - 2]?.shape[0] as number;
  const kernelLast = new Float32Array(inner * width);
  const biasLast = new Float32Array(width);
  map.forEach(({ column, a, b }, j) => {
    for (let h = 0; h < inner; h++) {
      kernelLast[h * width + j] = (kLast[h * fromWidth + column] as number) / a;
    }
    biasLast[j] = ((bLast[column] as number) - b) / a;
  });
  out[n - 2] = kernelLast;
  out[n - 1] = biasLast;

  const tensors = out.map((v, i) => tf.tensor(v, shapes[i] as number[]));
  to.setWeights(tensors);
  tensors.forEach((t) => t.dispose());
}
