import { describe, expect, it } from '@jest/globals';
import {
  type Architecture,
  buildAutoencoder,
  reconstructionErrors,
  trainAutoencoder
} from '../src/model/autoencoder.js';
import { DEFAULT_DETECTOR_OPTIONS, trainDetector } from '../src/model/detector.js';
import { encodedWidth, encodeRows, fitPreprocessing } from '../src/model/preprocessing.js';
import { carryWeights } from '../src/model/warm-start.js';
import type { FeatureSpec } from '../src/features/profile.js';
import { transactionsProfile } from '../src/features/transactions.js';
import { SeededRandom } from '../src/numeric/rng.js';
import { initTensorflow } from '../src/model/tf.js';

const features: FeatureSpec[] = [
  { name: 'amount', kind: 'numeric', description: '' },
  { name: 'flag', kind: 'binary', description: '' },
  { name: 'brand', kind: 'categorical', description: '' },
  { name: 'hour', kind: 'numeric', description: '' }
];
const makeRows = (seed: number, n: number): (number | string)[][] => {
  const rnd = new SeededRandom(seed);
  return Array.from({ length: n }, (_, i) => [
    rnd.next() * 300,
    rnd.next() < 0.3 ? 1 : 0,
    // 'rare' is on two rows only: the second preprocessing below (minimum 3 rows) drops it.
    i < 2 ? 'rare' : (['visa', 'mc', 'amex'][i % 3] as string),
    rnd.int(0, 23)
  ]);
};
const rows = makeRows(7, 200);
const architecture = (inputs: number, seed: number): Architecture => ({
  inputs,
  encoder: [6, 3],
  activation: 'relu',
  output: 'linear',
  l2: 0,
  dropout: 0,
  seed
});

describe('carryWeights (a second fit that starts from the first)', () => {
  it('the carried network computes what the first did, in its own preprocessing', async () => {
    await initTensorflow();
    const first = fitPreprocessing(features, rows);
    // Another fit: other means and deviations (half the rows), one category fewer.
    const second = fitPreprocessing(features, rows.slice(100), undefined, undefined, 3);
    expect(first.encodings[2]).toMatchObject({ categories: ['amex', 'mc', 'rare', 'visa'] });
    expect(second.encodings[2]).toMatchObject({ categories: ['amex', 'mc', 'visa'] });
    const from = buildAutoencoder(architecture(encodedWidth(first), 1));
    const to = buildAutoencoder(architecture(encodedWidth(second), 2));
    carryWeights(from, first, to, second);

    // Rows whose values both keep ('rare' went to the second's "other" column).
    const scored = rows.slice(2);
    const a = reconstructionErrors(from, encodeRows(first, scored), encodedWidth(first)).perColumn;
    const b = reconstructionErrors(to, encodeRows(second, scored), encodedWidth(second)).perColumn;
    // Columns: amount, flag, brand amex/mc/(rare)/visa/other, hour.
    const std = (p: typeof first, i: number): number => {
      const e = p.encodings[i];
      return e?.kind === 'numeric' ? e.std : 1;
    };
    const pairs: [number, number, number][] = [
      [0, 0, (std(first, 0) / std(second, 0)) ** 2],
      [1, 1, 1],
      [2, 2, 1],
      [3, 3, 1],
      [5, 4, 1],
      [6, 5, 1],
      [7, 6, (std(first, 3) / std(second, 3)) ** 2]
    ];
    for (let r = 0; r < scored.length; r++) {
      for (const [ca, cb, factor] of pairs) {
        const expected = (a[r * 8 + ca] as number) * factor;
        expect(b[r * 7 + cb]).toBeCloseTo(expected, 4);
      }
    }
  });

  it('a warm-started fit that only gets worse ends with the starting weights', async () => {
    await initTensorflow();
    const p = fitPreprocessing(features, rows);
    const width = encodedWidth(p);
    const encoded = encodeRows(p, rows);
    const model = buildAutoencoder(architecture(width, 3));
    const before = reconstructionErrors(model, encoded, width).errors;
    // A learning rate this high makes every epoch worse than the start.
    const result = await trainAutoencoder(model, encoded, encoded, width, {
      epochs: 5,
      batchSize: 32,
      patience: 3,
      seed: 1,
      learningRate: 5,
      fromTrained: true
    });
    expect(result.bestEpoch).toBe(-1);
    expect(result.epochsRun).toBe(3);
    expect(Array.from(reconstructionErrors(model, encoded, width).errors)).toEqual(
      Array.from(before)
    );
  });

  it('the detector records both fits and the warm second fit is the shorter', async () => {
    // A threshold at the held-out p90 (no minimum): about a tenth of the training rows are
    // above it, so the second fit runs on the rest.
    const profile = { ...transactionsProfile, features, trainingCap: undefined };
    const train = (warmStart: boolean) =>
      trainDetector(
        profile,
        makeRows(8, 400),
        {
          ...DEFAULT_DETECTOR_OPTIONS,
          epochs: 60,
          seed: 4,
          thresholdQuantile: 0.9,
          thresholdMethod: 'empirical',
          minimumThreshold: 0,
          warmStart
        },
        rows
      );
    const warm = await train(true);
    const fresh = await train(false);
    expect(warm.training.trimmedRows).toBeGreaterThan(0);
    expect(warm.training.firstFitEpochs).toBe(fresh.training.firstFitEpochs);
    expect(warm.training.epochsRun).toBeLessThan(fresh.training.epochsRun);
    warm.model.dispose();
    fresh.model.dispose();
  }, 120_000);
});
