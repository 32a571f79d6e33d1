/**
 * The source layout's two promises, checked on the import graph by dependency-cruiser: no
 * module of src/ imports itself back through others, and the nightly action (src/index.ts, the
 * entry of dist/index.js) reaches nothing under src/research/, which only the CLI (src/cli.ts)
 * imports. The committed bundle is checked too, since it is what the workflow runs.
 */
import { describe, expect, it } from '@jest/globals';
import { cruise, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../../tests/kit/action-bundle.js';
import { columnAggregates } from '../src/features/aggregates.js';
import type { Row } from '../src/features/row.js';
import { transactionsProfile } from '../src/features/transactions.js';
import { clusterKeys } from '../src/issues/clusters.js';
import { transactionRows } from './support/awkward-rows.js';

const SRC = 'actions/fraud-scan/src';

async function cruiseSource(start = SRC, baseDir = repoRoot): Promise<ICruiseResult> {
  const result = await cruise(
    [start],
    {
      baseDir,
      // Type-only imports count: a cycle through types still ties the modules together.
      tsPreCompilationDeps: true,
      doNotFollow: { path: 'node_modules' },
      validate: true,
      ruleSet: {
        forbidden: [
          { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
          {
            name: 'nightly-without-research',
            severity: 'error',
            from: { path: `^${SRC}/index\\.ts$` },
            to: { path: `^${SRC}/research/`, reachable: true }
          }
        ]
      }
    },
    { extensions: ['.ts', '.js'] }
  );
  return result.output as ICruiseResult;
}

const describeViolation = (v: IViolation): string =>
  `${v.rule.name}: ${v.from} -> ${v.to}${v.cycle ? ` (cycle ${v.cycle.map((c) => c.name).join(' -> ')})` : ''}${v.via ? ` (via ${v.via.map((c) => c.name).join(' -> ')})` : ''}`;

describe('the fraud-scan source layout', () => {
  it('has no import cycles and keeps research out of the nightly action', async () => {
    const result = await cruiseSource();
    const modules = new Map(result.modules.map((m) => [m.source, m]));
    // The cruise resolved the ESM '.js' specifiers to the TypeScript files: otherwise every
    // edge would be unresolved and the rules below would pass on an empty graph.
    const index = modules.get(`${SRC}/index.ts`);
    expect(index?.dependencies.map((d) => d.resolved)).toContain(`${SRC}/main.ts`);
    expect(result.modules.filter((m) => m.couldNotResolve).map((m) => m.source)).toEqual([]);
    expect(modules.has(`${SRC}/research/original-pipeline.ts`)).toBe(true);

    expect(result.summary.violations.map(describeViolation)).toEqual([]);
  });

  it('sees the edges it judges: a cycle when there is one, the CLI reaching research', async () => {
    // An empty violation list above only means something if the rules fire: here on a
    // two-module cycle written for the purpose, and on the CLI, which does import research.
    // Inside the repository and named relative to it, as the real cruise is: dependency-cruiser
    // resolves a start path against the working directory and then the base directory, so an
    // absolute path elsewhere (e.g. /tmp when the clone is in /tmp) is looked for in the wrong place.
    mkdirSync(path.join(repoRoot, 'artifacts'), { recursive: true });
    const dir = mkdtempSync(path.join(repoRoot, 'artifacts', 'fraud-structure-'));
    writeFileSync(
      path.join(dir, 'a.ts'),
      "import { b } from './b.js';\nexport const a = () => b;\n"
    );
    writeFileSync(
      path.join(dir, 'b.ts'),
      "import { a } from './a.js';\nexport const b = () => a;\n"
    );
    try {
      const cycle = await cruiseSource(path.relative(repoRoot, dir));
      expect(cycle.summary.violations.map((v) => v.rule.name)).toContain('no-circular');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    const result = await cruiseSource();
    const cli = result.modules.find((m) => m.source === `${SRC}/cli.ts`);
    expect(cli?.dependencies.map((d) => d.resolved)).toContain(
      `${SRC}/research/original-pipeline.ts`
    );
  });
});

describe('the committed action bundle', () => {
  it('carries none of the research code', () => {
    const bundle = readFileSync(path.join(repoRoot, 'actions/fraud-scan/dist/index.js'), 'utf8');
    const cli = readFileSync(path.join(repoRoot, 'actions/fraud-scan/dist/cli.js'), 'utf8');
    // ncc keeps function names, so a research module bundled by mistake shows by its exports;
    // the CLI bundle, which does import them, proves the names are still there to find.
    for (const name of [
      'reproduceOriginal',
      'trainOriginalModel',
      'syntheticTransactions',
      'runPerturbationBench'
    ]) {
      expect(cli).toContain(`function ${name}(`);
      expect(bundle).not.toContain(name);
    }
  });
});

describe('the columns a database source sends', () => {
  it('are every column the scan reads of a row, and no other (transactions)', () => {
    const profile = transactionsProfile;
    const declared = new Set(profile.columnsRead);
    const read = new Set<string>();
    // The shop's own table has these besides; no part of the scan may read them.
    const shopOnly = {
      order_id: 7,
      decline_reason: 'x',
      gateway: 'offline',
      gateway_reference: 'ref',
      fraud_drivers: null,
      fraud_score: 1.5,
      fraud_threshold: 2
    };
    for (const row of transactionRows()) {
      const watched = new Proxy<Row>(
        { currency: 'usd', ...row, ...shopOnly },
        {
          get(target, name) {
            if (typeof name === 'string' && !name.startsWith('__fraud_scan_')) read.add(name);
            return target[name as string];
          }
        }
      );
      // What scan.ts, the features, the reports and the issues read of a row.
      void watched[profile.idColumn];
      void watched.created_at;
      profile.extract(watched, columnAggregates);
      profile.publicFields(watched);
      clusterKeys(profile.name, watched);
    }
    expect([...read].filter((c) => !declared.has(c))).toEqual([]);
    expect([...declared].filter((c) => !read.has(c))).toEqual([]);
  });
});
