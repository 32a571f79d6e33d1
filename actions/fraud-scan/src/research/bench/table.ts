import type { BenchResult } from './perturbation.js';

/**
 * The benchmark's table: per kind, recall pooled over every run (seeds × magnitudes), and the
 * lowest and highest of the runs, beside the same autoencoder scored by its mean squared error
 * and (stripemodel) the original project's method; then all kinds, and the false-positive rate
 * on the untouched held-out normal rows.
 */

interface Pool {
  rows: number;
  flagged: number;
  mean: number;
  original: number;
  hasOriginal: boolean;
  notNew: number;
  perRun: number[];
}

const pct = (a: number, b: number): string => (b > 0 ? `${((a / b) * 100).toFixed(1)}%` : '–');
const span = (xs: number[]): string =>
  xs.length ? `${(Math.min(...xs) * 100).toFixed(0)}–${(Math.max(...xs) * 100).toFixed(0)}%` : '–';

export function benchTable(results: readonly BenchResult[]): string {
  const lines: string[] = [];
  const groups = [...new Set(results.map((r) => `${r.profile} / ${r.generator}`))];
  for (const group of groups) {
    const runs = results.filter((r) => `${r.profile} / ${r.generator}` === group);
    const kinds = new Map<string, Pool & { group: string }>();
    for (const run of runs) {
      for (const k of run.kinds) {
        const p = kinds.get(k.kind) ?? {
          group: k.group,
          rows: 0,
          flagged: 0,
          mean: 0,
          original: 0,
          hasOriginal: false,
          notNew: 0,
          perRun: []
        };
        p.rows += k.rows;
        p.flagged += k.flagged;
        p.mean += k.meanFlagged;
        p.notNew += k.notNew;
        if (k.originalFlagged !== undefined) {
          p.hasOriginal = true;
          p.original += k.originalFlagged;
        }
        if (k.rows > 0) p.perRun.push(k.flagged / k.rows);
        kinds.set(k.kind, p);
      }
    }
    const hasOriginal = [...kinds.values()].some((p) => p.hasOriginal);
    const runNames = runs.map((r) => `seed ${r.seed} ×${r.magnitude}`).join(', ');
    lines.push(`## ${group}: ${runs.length} runs (${runNames})`);
    lines.push(
      `training rows per run ${Math.min(...runs.map((r) => r.trainRows))}–${Math.max(...runs.map((r) => r.trainRows))}, held-out normal rows ${Math.min(...runs.map((r) => r.heldOutRows))}–${Math.max(...runs.map((r) => r.heldOutRows))}`
    );
    lines.push('');
    const header = [
      'kind',
      'group',
      'rows',
      'recall',
      'runs min–max',
      'mean-error score',
      ...(hasOriginal ? ['original method'] : []),
      'left out (not new)'
    ];
    lines.push(`| ${header.join(' | ')} |`, `|${header.map(() => ' --- ').join('|')}|`);
    let rows = 0;
    let flagged = 0;
    let mean = 0;
    let original = 0;
    for (const [name, p] of kinds) {
      rows += p.rows;
      flagged += p.flagged;
      mean += p.mean;
      original += p.original;
      lines.push(
        `| ${name} | ${p.group} | ${p.rows} | ${pct(p.flagged, p.rows)} | ${span(p.perRun)} | ${pct(p.mean, p.rows)} | ${hasOriginal ? `${pct(p.original, p.rows)} | ` : ''}${p.notNew} |`
      );
    }
    const perRunAll = runs.map((r) => {
      const n = r.kinds.reduce((s, k) => s + k.rows, 0);
      return n ? r.kinds.reduce((s, k) => s + k.flagged, 0) / n : 0;
    });
    lines.push(
      `| **all kinds** | | ${rows} | **${pct(flagged, rows)}** | ${span(perRunAll)} | ${pct(mean, rows)} | ${hasOriginal ? `${pct(original, rows)} | ` : ''} |`
    );
    const normal = runs.reduce((s, r) => s + r.heldOutRows, 0);
    const fp = runs.reduce((s, r) => s + r.flaggedNormal, 0);
    const meanFp = runs.reduce((s, r) => s + r.meanFlaggedNormal, 0);
    const origFp = runs.reduce((s, r) => s + (r.originalFlaggedNormal ?? 0), 0);
    lines.push(
      `| **held-out normal rows flagged (FPR)** | | ${normal} | **${pct(fp, normal)}** | ${span(runs.map((r) => r.flaggedNormal / r.heldOutRows))} | ${pct(meanFp, normal)} | ${hasOriginal ? `${pct(origFp, normal)} | ` : ''} |`
    );
    // Each run on its own line, so the spread over seeds and magnitudes is visible per run.
    lines.push('');
    for (const r of runs) {
      const n = r.kinds.reduce((s, k) => s + k.rows, 0);
      const weakest = r.kinds
        .filter((k) => k.rows > 0)
        .sort((a, b) => a.flagged / a.rows - b.flagged / b.rows)[0];
      lines.push(
        `- seed ${r.seed} ×${r.magnitude}: recall ${pct(
          r.kinds.reduce((s, k) => s + k.flagged, 0),
          n
        )}, FPR ${pct(r.flaggedNormal, r.heldOutRows)} (${r.flaggedNormal}/${r.heldOutRows}), threshold ${r.threshold.toFixed(2)}${weakest ? `, weakest kind: ${weakest.kind} ${pct(weakest.flagged, weakest.rows)}` : ''}`
      );
    }
    const drivers: Record<string, number> = {};
    for (const r of runs)
      for (const [f, n] of Object.entries(r.falsePositiveDrivers))
        drivers[f] = (drivers[f] ?? 0) + n;
    const named = Object.entries(drivers).sort((a, b) => b[1] - a[1]);
    if (named.length)
      lines.push(
        '',
        `False positives by the feature that drove them: ${named.map(([f, n]) => `${f} ${n}`).join(', ')}`
      );
    lines.push('');
  }
  return lines.join('\n');
}
