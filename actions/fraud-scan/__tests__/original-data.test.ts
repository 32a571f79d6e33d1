import { describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluate } from '../src/research/evaluate.js';
import { stripemodelProfile } from '../src/features/stripemodel.js';
import type { Row } from '../src/features/row.js';
import { reproduceOriginal } from '../src/research/original-pipeline.js';
import { CsvSource } from '../src/sources/csv.js';

/**
 * The original pipeline reproduced, and the honest evaluation, on the original project's own files. They are not in
 * the repository (never committed); these tests run where ../shared/seed/data exists (or
 * FRAUD_ORIGINAL_DATA points at it) and are skipped with a message elsewhere.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const originalDataDir =
  process.env.FRAUD_ORIGINAL_DATA ?? path.resolve(here, '../../../../shared/seed/data');
const normalFile = path.join(originalDataDir, 'training_data.csv');
const fraudFile = path.join(originalDataDir, 'account_stripemodel_fraud_data.csv');
const present = existsSync(normalFile) && existsSync(fraudFile);
if (!present) {
  process.stderr.write(
    `SKIPPED: the original project's data is not at ${originalDataDir}; the reproduction and evaluation tests do not run.\n`
  );
}
const withOriginalData = present ? describe : describe.skip;

async function read(file: string): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const batch of new CsvSource(file).batches(5000)) rows.push(...batch);
  return rows;
}

withOriginalData(
  `the original project's data (${present ? originalDataDir : 'absent: skipped'})`,
  () => {
    it('reproduces the original pipeline: 570 parameters, 5% of the test set, most of the fraud file flagged by user_id range', async () => {
      const normal = await read(normalFile);
      const fraud = await read(fraudFile);
      const r = await reproduceOriginal(normal, fraud, 42, 100);
      expect(r.run.parameters).toBe(570);
      expect(r.testRows).toBe(601);
      expect(r.run.thresholdAnomalies).toBe(30);
      expect(r.run.threshold).toBeGreaterThan(1.2);
      expect(r.run.threshold).toBeLessThan(3);
      const share = r.fraudAnomalies / r.fraudRows;
      expect(share).toBeGreaterThan(0.5);
      expect(share).toBeLessThan(0.8);
      // What it measures: fraud rows whose user_id is inside the training range are not flagged.
      const maxUser = Math.max(...normal.map((x) => Number(x.user_id)));
      const inside = fraud.map((x, i) => ({
        inside: Number(x.user_id) <= maxUser,
        flagged: (r.fraudErrors[i] as number) > r.run.threshold
      }));
      const flaggedInside =
        inside.filter((x) => x.inside && x.flagged).length / inside.filter((x) => x.inside).length;
      expect(flaggedInside).toBeLessThan(0.1);
    }, 600_000);

    it('our stripemodel profile meets the target (recall >= 95% at FPR <= 2%) on a held-out split', async () => {
      const normal = await read(normalFile);
      const fraud = await read(fraudFile);
      const result = await evaluate(stripemodelProfile, normal, fraud, {
        seed: 42,
        epochs: 100,
        thresholdQuantile: 0.99
      });
      const [ours] = result.rows;
      process.stderr.write(`${JSON.stringify(result, null, 1)}\n`);
      expect(result.split.fraud).toBe(1052);
      expect(ours?.recall).toBeGreaterThanOrEqual(0.95);
      expect(ours?.fpr).toBeLessThanOrEqual(0.02);
      expect(ours?.rocAuc).toBeGreaterThan(0.99);
    }, 600_000);
  }
);
