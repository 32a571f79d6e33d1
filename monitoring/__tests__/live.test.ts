/**
 * The monitoring stack for real (monitoring/__tests__/support/stack.ts): Debian's Prometheus scraping
 * Debian's node_exporter and the shop's real backend, with the project's prometheus.local.yml,
 * rules and Alertmanager configuration. Every dashboard panel's query runs against it and must
 * return data for the series the exporters really produce; an alert travels to a receiver; the
 * dashboards are drawn from this data to PNG (monitoring/preview/render-dashboards.sh keeps them).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  dataPanels,
  loadDashboards,
  parseLabelValues,
  substituteVariables,
  variableQuery,
  type Dashboard
} from '../preview/dashboards.js';
import {
  activeTargets,
  instantQuery,
  labelValues,
  rangeQuery,
  type PromTarget
} from '../preview/prometheus-api.js';
import { dashboardHtml, queryDashboard, screenshotPages } from '../preview/render.js';
import {
  LOCAL_INSTANCE,
  missingPrerequisites,
  monitoringServerNodeExporterArgs,
  PIPELINE_CHECK_ALERT,
  REPO_ROOT,
  startMonitoringStack,
  type MonitoringStack
} from './support/stack.js';
import { waitFor } from '../../tests/kit/processes.js';
import { FRAUD_SCAN_METRICS } from './support/fraud-scan-textfile.js';

const dashboards = loadDashboards(resolve(import.meta.dirname, '..', 'grafana', 'dashboards'));
/** Where the pictures go: artifacts/ in a test run, monitoring/docs/ from preview/render-dashboards.sh. */
const RENDER_DIR =
  process.env.MONITORING_RENDER_DIR ?? join(REPO_ROOT, 'artifacts', 'monitoring-dashboards');
/** render-dashboards.sh lets the stack collect for a while so the graphs have a history. */
const COLLECT_SECONDS = Number(process.env.MONITORING_COLLECT_SECONDS ?? '0');

let stack: MonitoringStack;
let startedAt: number;

beforeAll(async () => {
  const missing = missingPrerequisites();
  if (missing) throw new Error(`cannot start the monitoring stack: ${missing}`);
  startedAt = Math.floor(Date.now() / 1000);
  stack = await startMonitoringStack({
    varyTraffic: COLLECT_SECONDS > 0,
    log: (line) => process.stderr.write(`  stack: ${line}\n`)
  });
}, 150_000);

afterAll(async () => {
  await stack?.stop();
});

/** The value Grafana would offer first for each of the dashboard's variables, asked from Prometheus. */
async function variableValues(dashboard: Dashboard): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const variable of dashboard.templating?.list ?? []) {
    const query = parseLabelValues(variableQuery(variable));
    if (!query) throw new Error(`variable ${variable.name} is not a label_values() query`);
    const options = await labelValues(stack.prometheusUrl, query.label, query.selector);
    values[variable.name] = options[0] ?? '';
  }
  return values;
}

describe('the stack', () => {
  test('every job has its target up, labelled like an app server', async () => {
    const targets = await activeTargets(stack.prometheusUrl);
    const byJob: Record<string, PromTarget> = Object.fromEntries(
      targets.map((t) => [t.labels.job ?? '', t])
    );
    expect(Object.keys(byJob).sort()).toEqual([
      'alertmanager',
      'backend',
      'fraud_scan',
      'lb_health',
      'node',
      'prometheus'
    ]);
    for (const target of targets)
      expect({ job: target.labels.job, health: target.health, error: target.lastError }).toEqual({
        job: target.labels.job,
        health: 'up',
        error: ''
      });
    expect(byJob.node?.labels).toMatchObject({
      instance: LOCAL_INSTANCE,
      availability_zone: 'local'
    });
    expect(byJob.backend?.scrapeUrl).toMatch(/\/metrics$/);
    // The blackbox relabelling: the probed URL is the instance, the exporter is scraped.
    expect(byJob.lb_health?.labels.instance).toBe(`${stack.backendUrl}/readyz`);
    expect(byJob.lb_health?.scrapeUrl).toContain('/probe?module=http_2xx&target=');
  });

  test('the traffic reached the backend: 200s, 404s (unknown id and unknown path), 401s and 400s', () => {
    for (const status of [200, 404, 401, 400])
      expect({ status, seen: (stack.trafficByStatus.get(status) ?? 0) > 0 }).toEqual({
        status,
        seen: true
      });
    expect(stack.trafficByStatus.get(0) ?? 0).toBe(0);
  });

  test("the monitoring server's node_exporter exposes every gauge of the fraud scan CLI's fraud_scan.prom", async () => {
    // What the real CLI wrote, line by line: `name{labels} value`.
    const written = stack.fraudScanTextfile
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => /^(\w+)\{(.*)\} (\S+)$/.exec(line))
      .map((m) => ({ name: m?.[1], labels: m?.[2], value: Number(m?.[3]) }));
    expect(new Set(written.map((w) => w.name))).toEqual(new Set(FRAUD_SCAN_METRICS));
    for (const name of FRAUD_SCAN_METRICS) {
      const series = await instantQuery(stack.prometheusUrl, `${name}{job="fraud_scan"}`);
      const expected = written.filter((w) => w.name === name);
      expect({ name, count: series.length }).toEqual({ name, count: expected.length });
      for (const s of series) {
        expect(s.metric).toMatchObject({ instance: 'monitoring', profile: 'transactions' });
        const match = expected.find(
          (w) => !s.metric.quantile || w.labels?.includes(`quantile="${s.metric.quantile}"`)
        );
        expect({ name, value: Number(s.value?.[1]) }).toEqual({ name, value: match?.value });
      }
    }
    // The synthetic table has fraud patterns in it: the scan flags some, and the file says so.
    const flagged = await instantQuery(stack.prometheusUrl, 'fraud_scan_flagged_rows');
    expect(Number(flagged[0]?.value?.[1])).toBeGreaterThan(0);
    // Run with the user data's flags: the textfile collector and nothing of the machine's own.
    expect(monitoringServerNodeExporterArgs()).toEqual(
      expect.arrayContaining(['--collector.disable-defaults', '--collector.textfile'])
    );
    const machine = await instantQuery(
      stack.prometheusUrl,
      'count({job="fraud_scan", __name__=~"node_(cpu|memory|filesystem|network)_.*"})'
    );
    expect(machine).toEqual([]);
    // node_exporter read the file without complaint.
    const errors = await instantQuery(
      stack.prometheusUrl,
      'node_textfile_scrape_error{job="fraud_scan"}'
    );
    expect(errors.map((s) => s.value?.[1])).toEqual(['0']);
  });

  test("the load balancer probe succeeds against the backend's /readyz", async () => {
    const result = await instantQuery(stack.prometheusUrl, 'probe_success{job="lb_health"}');
    expect(result.map((s) => s.value?.[1])).toEqual(['1']);
  });
});

describe('alerting', () => {
  test("an alert goes from Prometheus's rules through Alertmanager to the receiver, with its annotations", async () => {
    const notification = await waitFor(
      `a ${PIPELINE_CHECK_ALERT} notification at the webhook`,
      async () =>
        stack.notifications.find((n) =>
          n.alerts.some((a) => a.labels.alertname === PIPELINE_CHECK_ALERT)
        ),
      { timeoutMs: 60_000, intervalMs: 500 }
    );
    expect(notification.status).toBe('firing');
    expect(notification.receiver).toBe('webhook');
    expect(notification.alerts[0]?.labels).toMatchObject({ severity: 'warning', project: 'local' });
    expect(notification.alerts[0]?.annotations.summary).toContain('Test-only alert');
  }, 70_000);

  test('on a healthy stack no critical alert is pending or firing', async () => {
    const active = await instantQuery(stack.prometheusUrl, 'ALERTS{severity="critical"}');
    expect(active.map((s) => `${s.metric.alertname} ${s.metric.alertstate}`)).toEqual([]);
  });

  test("the fraud scan's fresh results with flagged rows fire FraudSuspected, and nothing says the scan is stale or missing", async () => {
    const active = await waitFor(
      'FraudSuspected to fire',
      async () => {
        const alerts = await instantQuery(stack.prometheusUrl, 'ALERTS{alertname=~"Fraud.*"}');
        return alerts.some((a) => a.metric.alertstate === 'firing') ? alerts : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 1000 }
    );
    expect(
      active.map((s) => `${s.metric.alertname} ${s.metric.alertstate} ${s.metric.profile}`)
    ).toEqual(['FraudSuspected firing transactions']);
  }, 50_000);

  test('with one local server, AppServersBelowTwo is the alert that notices the missing second one', async () => {
    const active = await instantQuery(
      stack.prometheusUrl,
      'ALERTS{alertname="AppServersBelowTwo"}'
    );
    expect(active.map((s) => s.metric.alertstate)).toEqual(['pending']);
  });
});

describe.each(dashboards.map((d) => [d.dashboard.title, d.dashboard] as const))(
  'dashboard %s',
  (_title, dashboard) => {
    test('its template variables list the local server', async () => {
      const values = await variableValues(dashboard);
      for (const value of Object.values(values)) expect(value).toBe(LOCAL_INSTANCE);
    });

    // Series that cannot exist on some machines; the expectation follows what this one has.
    const conditional: Record<string, { why: string; exists: string }> = {
      'Swap used': {
        why: 'the gauge shows no data without swap',
        exists: 'node_memory_SwapTotal_bytes > 0'
      },
      Pressure: {
        why: 'PSI metrics exist only on kernels with pressure stall information',
        exists: 'node_pressure_cpu_waiting_seconds_total'
      }
    };

    test.each(dataPanels(dashboard).map((p) => [p.title, p] as const))(
      'panel "%s": every query parses and returns data',
      async (_name, panel) => {
        const values = await variableValues(dashboard);
        // Not rounded down: a sample from the last fraction of a second must be inside the range.
        const now = Date.now() / 1000;
        const condition = conditional[panel.title];
        const expectData = condition
          ? (await instantQuery(stack.prometheusUrl, condition.exists)).length > 0
          : true;
        for (const target of panel.targets ?? []) {
          const expr = substituteVariables(target.expr ?? '', values);
          const result =
            panel.type === 'timeseries'
              ? await rangeQuery(stack.prometheusUrl, expr, now - 120, now, 15)
              : await instantQuery(stack.prometheusUrl, expr, now);
          expect({ panel: panel.title, expr, hasData: result.length > 0 }).toEqual({
            panel: panel.title,
            expr,
            hasData: expectData
          });
        }
      }
    );
  }
);

describe('pictures', () => {
  test(
    "each dashboard is drawn from this Prometheus's data to a PNG",
    async () => {
      if (COLLECT_SECONDS > 0)
        await new Promise((done) => setTimeout(done, COLLECT_SECONDS * 1000));
      mkdirSync(RENDER_DIR, { recursive: true });
      const to = Math.floor(Date.now() / 1000);
      const pages = [];
      for (const { file, dashboard } of dashboards) {
        const data = await queryDashboard(
          stack.prometheusUrl,
          dashboard,
          await variableValues(dashboard),
          startedAt,
          to
        );
        expect(
          data.panels.filter((p) => p.error).map((p) => `${p.panel.title}: ${p.error}`)
        ).toEqual([]);
        pages.push({
          html: dashboardHtml(data),
          file: join(RENDER_DIR, file.replace(/\.json$/, '.png'))
        });
      }
      await screenshotPages(pages);
      for (const { file } of pages) {
        expect(statSync(file).size).toBeGreaterThan(20_000);
        expect(readFileSync(file).subarray(1, 4).toString()).toBe('PNG');
      }
    },
    60_000 + COLLECT_SECONDS * 1000
  );
});
