/**
 * Queries every panel of a dashboard from a Prometheus and photographs the result with
 * headless Chromium (playwright-core driving Debian's /usr/bin/chromium).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../tests/kit/chromium.mjs';
import { dataPanels, substituteVariables, type Dashboard, type Panel } from './dashboards.js';
import { legendName } from './format.js';
import { instantQuery, rangeQuery, type PromSeries } from './prometheus-api.js';
import {
  dashboardHtml,
  type DashboardData,
  type PanelData,
  type SeriesData
} from './render-page.js';

function toSeries(result: PromSeries[], legendFormat: string | undefined): SeriesData[] {
  return result.map((series) => ({
    name: legendName(legendFormat, series.metric),
    labels: series.metric,
    points: series.values
      ? series.values.map(([t, v]) => [t, Number(v)] as [number, number])
      : series.value
        ? [[series.value[0], Number(series.value[1])]]
        : []
  }));
}

/** One query's data for a panel: a range for time series, the value at `to` otherwise. */
export async function queryPanel(
  prometheusUrl: string,
  panel: Panel,
  variables: Record<string, string>,
  from: number,
  to: number
): Promise<PanelData> {
  const series: SeriesData[] = [];
  try {
    for (const target of panel.targets ?? []) {
      const expr = substituteVariables(target.expr ?? '', variables);
      const result =
        panel.type === 'timeseries'
          ? await rangeQuery(
              prometheusUrl,
              expr,
              from,
              to,
              Math.max(5, Math.round((to - from) / 240))
            )
          : await instantQuery(prometheusUrl, expr, to);
      series.push(...toSeries(result, target.legendFormat));
    }
    return { panel, series };
  } catch (error) {
    return { panel, series, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Every data panel of `dashboard` queried over [from, to]. */
export async function queryDashboard(
  prometheusUrl: string,
  dashboard: Dashboard,
  variables: Record<string, string>,
  from: number,
  to: number
): Promise<DashboardData> {
  const panels = await Promise.all(
    dataPanels(dashboard).map((panel) => queryPanel(prometheusUrl, panel, variables, from, to))
  );
  return { dashboard, variables, from, to, panels };
}

/** Writes a PNG of each page to its file; one browser for all of them. */
export async function screenshotPages(pages: { html: string; file: string }[]): Promise<void> {
  const profile = mkdtempSync(join(tmpdir(), 'monitoring-chromium-'));
  try {
    // A persistent context is how playwright takes a fresh profile directory (--user-data-dir).
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS],
      viewport: { width: 1600, height: 900 },
      deviceScaleFactor: 1
    });
    try {
      // The pages are self-contained: any request would be a mistake, so none leaves the browser.
      await context.route('**/*', (route) => route.abort());
      for (const { html, file } of pages) {
        const page = await context.newPage();
        await page.setContent(html, { waitUntil: 'load' });
        await page.screenshot({ path: file, fullPage: true });
        await page.close();
      }
    } finally {
      await context.close();
    }
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** The HTML of `data`, re-exported so callers need only this module. */
export { dashboardHtml };
