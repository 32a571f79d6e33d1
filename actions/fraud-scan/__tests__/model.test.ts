import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  buildAutoencoder,
  reconstructionErrors,
  trainableParameters,
  trainAutoencoder
} from '../src/model/autoencoder.js';
import {
  DEFAULT_DETECTOR_OPTIONS,
  type Detector,
  scoreFeatureRows,
  trainDetector
} from '../src/model/detector.js';
import { featurize } from '../src/research/evaluate.js';
import { stripemodelProfile } from '../src/features/stripemodel.js';
import { transactionsProfile } from '../src/features/transactions.js';
import { loadDetector, MODEL_FORMAT_VERSION, saveDetector } from '../src/model/model-file.js';
import { SeededRandom } from '../src/numeric/rng.js';
import { ORIGINAL_ARCHITECTURE } from '../src/research/original-pipeline.js';
import { prAuc, rocAuc } from '../src/numeric/stats.js';
import { syntheticTransactions } from '../src/research/synthetic.js';
import { initTensorflow } from '../src/model/tf.js';

const dir = mkdtempSync(path.join(tmpdir(), 'fraud-model-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('autoencoder', () => {
  it("the original pipeline's architecture has 570 trainable parameters", async () => {
    await initTensorflow();
    expect(trainableParameters(buildAutoencoder({ ...ORIGINAL_ARCHITECTURE, seed: 1 }))).toBe(570);
  });

  it('early stopping puts back the best epoch’s weights (tfjs has no restoreBestWeights)', async () => {
    await initTensorflow();
    const rnd = new SeededRandom(3);
    const make = (n: number): Float32Array =>
      Float32Array.from({ length: n * 4 }, () => rnd.next());
    const train = make(200);
    const val = make(60);
    const model = buildAutoencoder({
      inputs: 4,
      encoder: [8, 2],
      activation: 'relu',
      output: 'linear',
      l2: 0,
      dropout: 0,
      seed: 5
    });
    const valLosses: number[] = [];
    // A learning rate this high makes later epochs worse, so the best epoch is not the last.
    const result = await trainAutoencoder(model, train, val, 4, {
      epochs: 12,
      batchSize: 16,
      patience: 4,
      seed: 1,
      learningRate: 0.3,
      onEpoch: (_e, _l, v) => valLosses.push(v)
    });
    const after = reconstructionErrors(model, val, 4).errors.reduce((a, b) => a + b, 0) / 60;
    expect(result.bestEpoch).toBe(valLosses.indexOf(Math.min(...valLosses)));
    expect(after).toBeCloseTo(Math.min(...valLosses), 4);
  });
});

describe('detector', () => {
  const rows = syntheticTransactions({ seed: 11, normalUsers: 300, fraudEvents: 6 });
  const normalRows = rows.filter((r) => r.fraud_pattern === '');
  const features = featurize(transactionsProfile, rows);
  const isFraud = features.kept.map((i) => rows[i]?.fraud_pattern !== '');
  const normalFeatures = featurize(transactionsProfile, normalRows).values;

  it('is deterministic for a seed, and a saved model scores identically after loading', async () => {
    const options = { ...DEFAULT_DETECTOR_OPTIONS, epochs: 8, seed: 9 };
    const a = await trainDetector(transactionsProfile, normalFeatures, options);
    const b = await trainDetector(transactionsProfile, normalFeatures, options);
    const sa = scoreFeatureRows(a, features.values).errors;
    expect(Array.from(scoreFeatureRows(b, features.values).errors)).toEqual(Array.from(sa));

    const file = path.join(dir, 'model.json');
    saveDetector(a, file);
    const loaded = await loadDetector(file, 'transactions');
    expect(loaded.threshold).toBe(a.threshold);
    expect(loaded.thresholdMethod).toBe('robust');
    expect(loaded.training.thresholds).toEqual(a.training.thresholds);
    expect(loaded.preprocessing).toEqual(a.preprocessing);
    expect(Array.from(scoreFeatureRows(loaded, features.values).errors)).toEqual(Array.from(sa));
  });

  // Trained once for the tests below (30 epochs, two fits: the slowest step of this file).
  let trained: Promise<Detector> | undefined;
  const detector30 = (): Promise<Detector> =>
    (trained ??= trainDetector(transactionsProfile, normalFeatures, {
      ...DEFAULT_DETECTOR_OPTIONS,
      epochs: 30,
      seed: 4
    }));

  it('separates the synthetic fraud patterns from normal rows', async () => {
    const d = await detector30();
    const errors = scoreFeatureRows(d, features.values).errors;
    const pos = errors.filter((_, i) => isFraud[i]);
    const neg = errors.filter((_, i) => !isFraud[i]);
    expect(rocAuc(pos, neg)).toBeGreaterThan(0.9);
    expect(prAuc(pos, neg)).toBeGreaterThan(0.5);
    const drivers = scoreFeatureRows(d, features.values).drivers(
      errors.indexOf(Math.max(...errors))
    );
    expect(drivers).toHaveLength(3);
    expect(drivers[0]?.share).toBeGreaterThan(0);
  }, 180_000);

  it('refuses a model file of another feature profile, naming both', async () => {
    const d = await trainDetector(transactionsProfile, normalFeatures, {
      ...DEFAULT_DETECTOR_OPTIONS,
      epochs: 2
    });
    const file = path.join(dir, 'transactions.json');
    saveDetector(d, file);
    await expect(loadDetector(file, stripemodelProfile.name)).rejects.toThrow(
      /trained for the "transactions" feature profile, but this scan uses "stripemodel"/
    );
  });

  it('refuses a model file of an earlier format (mean-error scores), saying to retrain', async () => {
    const d = await trainDetector(transactionsProfile, normalFeatures, {
      ...DEFAULT_DETECTOR_OPTIONS,
      epochs: 2
    });
    const file = path.join(dir, 'old-format.json');
    saveDetector(d, file);
    const body = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(body.formatVersion).toBe(MODEL_FORMAT_VERSION);
    delete body.scoring;
    writeFileSync(file, JSON.stringify({ ...body, formatVersion: 1 }));
    await expect(loadDetector(file, 'transactions')).rejects.toThrow(
      /has format version 1, which scored rows by their mean reconstruction error; this fraud-scan reads version 2 .*: retrain/
    );
    writeFileSync(file, JSON.stringify({ ...body, formatVersion: 3 }));
    await expect(loadDetector(file, 'transactions')).rejects.toThrow(
      /format version 3; this fraud-scan reads up to 2/
    );
  });

  it('one impossible value among ordinary ones is enough: the score is the largest calibrated feature error', async () => {
    const d = await detector30();
    const expired = transactionsProfile.features.findIndex((f) => f.name === 'card_expired');
    // Held-out-like rows that score below the threshold, each with only card_expired set
    // (no training row has it): 18 of 19 features ordinary.
    const ordinary = normalFeatures.filter((_, i) => i % 7 === 0);
    const before = scoreFeatureRows(d, ordinary).errors;
    const keep = ordinary.filter((_, i) => (before[i] as number) <= d.threshold).slice(0, 40);
    expect(keep.length).toBeGreaterThan(20);
    const broken = keep.map((v) => v.map((x, f) => (f === expired ? 1 : x)));
    const scored = scoreFeatureRows(d, broken);
    scored.errors.forEach((score, i) => {
      expect(score).toBeGreaterThan(d.threshold);
      expect(scored.drivers(i, 1)[0]?.feature).toBe('card_expired');
    });
  }, 180_000);

  it('refuses a file that is not a model, and unreadable JSON', async () => {
    const notModel = path.join(dir, 'other.json');
    writeFileSync(notModel, '{"hello": 1}');
    await expect(loadDetector(notModel)).rejects.toThrow(/is not a fraud-scan model file/);
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, '{');
    await expect(loadDetector(broken)).rejects.toThrow(/cannot be read/);
  });
});

describe('ranking metrics', () => {
  it('ROC-AUC and PR-AUC on hand-checked cases', () => {
    expect(rocAuc([3, 4], [1, 2])).toBe(1);
    expect(rocAuc([1, 2], [3, 4])).toBe(0);
    expect(rocAuc([1], [1])).toBe(0.5);
    // ranking: P(0.9) N(0.8) P(0.7) → AP = (1·1 + 0.5·(2/3)) = 0.8333
    expect(prAuc([0.9, 0.7], [0.8])).toBeCloseTo(0.8333, 4);
  });
});
