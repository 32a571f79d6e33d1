import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigurationError } from '../../../shared/src/errors.js';
import type { Architecture } from './autoencoder.js';
import { buildAutoencoder } from './autoencoder.js';
import type { Detector } from './detector.js';
import type { Preprocessing } from './preprocessing.js';
import type { FeatureProfile } from '../features/profile.js';
import { PROFILES } from '../features/profiles.js';
import { initTensorflow, tf } from './tf.js';

/**
 * The model file: one JSON document holding the network's shape and weights together with the
 * preprocessing fitted at training time, the feature profile (name, version, feature list) and
 * the threshold, so a later scan scores rows exactly as the training run would have.
 */
export const MODEL_FORMAT = 'fraud-scan-model';
/** 2: rows are scored by their largest calibrated feature error (Detector.scoring); 1 scored the mean. */
export const MODEL_FORMAT_VERSION = 2;

interface ModelFile {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  profile: { name: string; version: number; features: string[] };
  architecture: Architecture;
  preprocessing: Preprocessing;
  scoring: Detector['scoring'];
  threshold: number;
  thresholdQuantile: number;
  thresholdMethod?: Detector['thresholdMethod'];
  training: Detector['training'];
  weights: { shape: number[]; data: string }[];
}

/** Write a detector to a model file (creating its folder). */
export function saveDetector(detector: Detector, file: string): void {
  const body: ModelFile = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    profile: {
      name: detector.profile.name,
      version: detector.profile.version,
      features: detector.profile.features.map((f) => f.name)
    },
    architecture: detector.architecture,
    preprocessing: detector.preprocessing,
    scoring: detector.scoring,
    threshold: detector.threshold,
    thresholdQuantile: detector.thresholdQuantile,
    thresholdMethod: detector.thresholdMethod,
    training: detector.training,
    weights: detector.model.getWeights().map((w) => {
      const values = w.dataSync() as Float32Array;
      return {
        shape: w.shape,
        data: Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64')
      };
    })
  };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(body)}\n`);
}

/**
 * Read a model file back. Refuses, with a message saying what to do, a file that is not a
 * model, one of a newer format, or one trained for another feature profile than `expected`.
 */
export async function loadDetector(
  file: string,
  expected?: FeatureProfile['name']
): Promise<Detector> {
  let body: ModelFile;
  try {
    body = JSON.parse(readFileSync(file, 'utf8')) as ModelFile;
  } catch (error) {
    throw new ConfigurationError(
      `Model file "${file}" cannot be read: ${(error as Error).message}`
    );
  }
  if (body?.format !== MODEL_FORMAT) {
    throw new ConfigurationError(`"${file}" is not a fraud-scan model file.`);
  }
  if (body.formatVersion > MODEL_FORMAT_VERSION) {
    throw new ConfigurationError(
      `Model file "${file}" has format version ${body.formatVersion}; this fraud-scan reads up to ${MODEL_FORMAT_VERSION}.`
    );
  }
  if (body.formatVersion !== MODEL_FORMAT_VERSION) {
    // Its threshold is on another scale (the mean squared error): scoring with it would flag
    // nearly nothing or nearly everything.
    throw new ConfigurationError(
      `Model file "${file}" has format version ${body.formatVersion}, which scored rows by their mean reconstruction error; this fraud-scan reads version ${MODEL_FORMAT_VERSION} (each feature's error against its own scale): retrain (the workflow's retrain input, or --train).`
    );
  }
  const profile = PROFILES[body.profile.name as FeatureProfile['name']];
  if (expected && body.profile.name !== expected) {
    throw new ConfigurationError(
      `Model file "${file}" was trained for the "${body.profile.name}" feature profile, but this scan uses "${expected}": retrain, or pass the matching profile.`
    );
  }
  if (
    !profile ||
    profile.version !== body.profile.version ||
    profile.features.map((f) => f.name).join(',') !== body.profile.features.join(',')
  ) {
    throw new ConfigurationError(
      `Model file "${file}" was trained for feature profile ${body.profile.name} v${body.profile.version}, which this fraud-scan does not have (it has ${Object.values(
        PROFILES
      )
        .map((p) => `${p.name} v${p.version}`)
        .join(', ')}): retrain.`
    );
  }
  await initTensorflow();
  const model = buildAutoencoder(body.architecture);
  model.setWeights(
    body.weights.map((w) => {
      const bytes = Buffer.from(w.data, 'base64');
      const values = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      return tf.tensor(Float32Array.from(values), w.shape);
    })
  );
  return {
    profile,
    architecture: body.architecture,
    preprocessing: body.preprocessing,
    scoring: body.scoring,
    model,
    threshold: body.threshold,
    thresholdQuantile: body.thresholdQuantile,
    thresholdMethod: body.thresholdMethod ?? 'empirical',
    training: body.training
  };
}
