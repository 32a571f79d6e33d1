/**
 * The monitoring stack for real (monitoring/__tests__/support/stack.ts): Debian's Prometheus scraping
 * Debian's node_exporter and the shop's real backend on two app servers of one Name in one zone
 * (each its own node_exporter and gunicorn), then replaced as an instance refresh replaces one,
 * with the project's prometheus.local.yml,
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
  usedVariables,
  variableQuery,
  type Dashboard
} from '../preview/dashboards.js';
import {
  activeTargets,
  instantQuery,
  labelValues,
  rangeQuery,
  ruleGroups,
  type PromTarget
} from '../preview/prometheus-api.js';
import { dashboardHtml, queryDashboard, screenshotPages } from '../preview/render.js';
import {
  LOCAL_SERVERS,
  localServer,
  missingPrerequisites,
  monitoringServerNodeExporterArgs,
  PIPELINE_CHECK_ALERT,
  REPO_ROOT,
  startMonitoringStack,
  TEST_INTERVAL_SECONDS,
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
    // Waits of a few seconds instead of a few 15-second scrapes; the pictures keep the real one.
    intervalSeconds: COLLECT_SECONDS > 0 ? undefined : TEST_INTERVAL_SECONDS,
    log: (line) => process.stderr.write(`  stack: ${line}\n`)
  });
}, 150_000);

afterAll(async () => {
  await stack?.stop();
});

/** The options Grafana would offer for each of the dashboard's variables, asked from Prometheus. */
async function variableOptions(dashboard: Dashboard): Promise<Record<string, string[]>> {
  const options: Record<string, string[]> = {};
  for (const variable of dashboard.templating?.list ?? []) {
    const query = parseLabelValues(variableQuery(variable));
    if (!query) throw new Error(`variable ${variable.name} is not a label_values() query`);
    options[variable.name] = await labelValues(stack.prometheusUrl, query.label, query.selector);
  }
  return options;
}

/** The value Grafana would offer first for each of the dashboard's variables. */
async function variableValues(dashboard: Dashboard): Promise<Record<string, string>> {
  const options = await variableOptions(dashboard);
  return Object.fromEntries(Object.entries(options).map(([name, list]) => [name, list[0] ?? '']));
}

/**
 * Every choice a person can make in the dashboard's variables: each option, and "All" (its
 * allValue, as Grafana substitutes it) where the variable offers it.
 */
async function variableChoices(dashboard: Dashboard): Promise<Record<string, string>[]> {
  const options = await variableOptions(dashboard);
  let choices: Record<string, string>[] = [{}];
  for (const variable of dashboard.templating?.list ?? []) {
    const values = [...(options[variable.name] ?? [])];
    if (variable.includeAll) values.push(variable.allValue ?? '.*');
    choices = choices.flatMap((choice) => values.map((v) => ({ ...choice, [variable.name]: v })));
  }
  return choices;
}

/** The variables of `dashboard` that pick exactly one value (one server). */
function singleValueVariables(dashboard: Dashboard): string[] {
  return (dashboard.templating?.list ?? [])
    .filter((v) => !v.multi && !v.includeAll)
    .map((v) => v.name);
}

const SERVER_INSTANCES = LOCAL_SERVERS.map((s) => s.instance).sort();

describe('the stack', () => {
  test('every target is up; node and backend have one target per app server, each its own instance, labelled like one', async () => {
    const targets = await activeTargets(stack.prometheusUrl);
    const byJob = new Map<string, PromTarget[]>();
    for (const t of targets) {
      const job = t.labels.job ?? '';
      byJob.set(job, [...(byJob.get(job) ?? []), t]);
    }
    expect([...byJob.keys()].sort()).toEqual([
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
    // Two servers share the Name ecommerce_app_local and the zone: instance tells them apart.
    const byInstance = (a: { instance?: string }, b: { instance?: string }): number =>
      String(a.instance).localeCompare(String(b.instance));
    for (const job of ['node', 'backend']) {
      const servers = (byJob.get(job) ?? []).map((t) => ({
        instance: t.labels.instance,
        name: t.labels.name,
        instance_id: t.labels.instance_id,
        availability_zone: t.labels.availability_zone
      }));
      expect(servers.sort(byInstance)).toEqual([...LOCAL_SERVERS].sort(byInstance));
    }
    expect(byJob.get('backend')?.[0]?.scrapeUrl).toMatch(/\/metrics$/);
    // The blackbox relabelling: the probed URL is the instance, the exporter is scraped.
    const probe = byJob.get('lb_health')?.[0];
    expect(probe?.labels.instance).toBe(`${stack.backendUrl}/readyz`);
    expect(probe?.scrapeUrl).toContain('/probe?module=http_2xx&target=');
  });

  test('each server is its own series: one up per server and job, and per-server aggregations keep them apart', async () => {
    const up = await instantQuery(stack.prometheusUrl, 'up{job=~"node|backend"}');
    for (const job of ['node', 'backend'])
      expect(
        up
          .filter((s) => s.metric.job === job)
          .map((s) => s.metric.instance)
          .sort()
      ).toEqual(SERVER_INSTANCES);
    // HighCpu's aggregation, on the real series: one result per server.
    const cpu = await instantQuery(
      stack.prometheusUrl,
      'avg by (instance, instance_id, name, availability_zone) (rate(node_cpu_seconds_total{job="node", mode="idle"}[1m]))'
    );
    expect(cpu.map((s) => s.metric.instance).sort()).toEqual(SERVER_INSTANCES);
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
        const alerts = await instantQuery(
          stack.prometheusUrl,
          'ALERTS{alertname=~"FraudScan.*|FraudSuspected"}'
        );
        return alerts.some((a) => a.metric.alertstate === 'firing') ? alerts : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 1000 }
    );
    expect(
      active.map((s) => `${s.metric.alertname} ${s.metric.alertstate} ${s.metric.profile}`)
    ).toEqual(['FraudSuspected firing transactions']);
  }, 50_000);

  test('backends without a fraud model (FRAUD_MODEL_PATH unset, FRAUD_SCORING flag) make FraudScoringOff pending on each, and FraudModelStale says nothing', async () => {
    const backends = (await instantQuery(stack.prometheusUrl, 'up{job="backend"} == 1'))
      .map((s) => s.metric.instance)
      .sort();
    expect(backends.length).toBeGreaterThan(0);
    const alerts = await waitFor(
      'FraudScoringOff to be pending on every backend',
      async () => {
        const found = await instantQuery(
          stack.prometheusUrl,
          'ALERTS{alertname=~"FraudScoringOff|FraudModelStale"}'
        );
        return found.length >= backends.length ? found : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 1000 }
    );
    expect(
      alerts.map((s) => `${s.metric.alertname} ${s.metric.alertstate} ${s.metric.instance}`).sort()
    ).toEqual(backends.map((instance) => `FraudScoringOff pending ${instance}`));
  }, 50_000);

  test('with two servers answering, even in one zone, AppServersBelowTwo stays quiet', async () => {
    const active = await instantQuery(
      stack.prometheusUrl,
      'ALERTS{alertname="AppServersBelowTwo"}'
    );
    expect(active.map((s) => s.metric.alertstate)).toEqual([]);
  });
});

describe.each(dashboards.map((d) => [d.dashboard.title, d.dashboard] as const))(
  'dashboard %s',
  (_title, dashboard) => {
    test('its template variables list every server, each once', async () => {
      for (const options of Object.values(await variableOptions(dashboard)))
        expect([...options].sort()).toEqual(SERVER_INSTANCES);
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
      'panel "%s": every query parses and returns data, for every choice of server',
      async (_name, panel) => {
        const condition = conditional[panel.title];
        const expectData = condition
          ? (await instantQuery(stack.prometheusUrl, condition.exists)).length > 0
          : true;
        // A one-value panel (stat, gauge, bar gauge) over one chosen server must show that
        // server alone: two series would be two servers sharing its name.
        const single = singleValueVariables(dashboard);
        const oneValue = ['stat', 'gauge', 'bargauge'].includes(panel.type ?? '');
        for (const values of await variableChoices(dashboard)) {
          // Not rounded down: a sample from the last fraction of a second must be inside the range.
          const now = Date.now() / 1000;
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
            const perServer = single.some((name) =>
              usedVariables(target.expr ?? '').includes(name)
            );
            if (oneValue && perServer && expectData)
              expect({ panel: panel.title, expr, series: result.length }).toEqual({
                panel: panel.title,
                expr,
                series: 1
              });
          }
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

describe('an instance refresh replaces a server', () => {
  // The zone's second server is replaced as its Auto Scaling group replaces one: the new one
  // starts and is scraped, the old one shuts down (scraped down) and leaves discovery.
  const [kept, old] = LOCAL_SERVERS;
  const replacement = localServer('i-0000000000000000c');

  test(`the old server's series end, the new one's start, and neither is "down"`, async () => {
    if (!kept || !old) throw new Error('LOCAL_SERVERS needs two servers');
    await stack.replaceServer(old, replacement);
    expect(stack.servers().map((s) => s.instance)).toEqual([kept.instance, replacement.instance]);
    // The old server was last scraped down; with its targets gone Prometheus ends its series
    // (staleness markers, two scrape intervals after the target left): up is not 0, it is gone.
    await waitFor(
      `${old.instance}'s series to end`,
      async () => {
        const series = await instantQuery(stack.prometheusUrl, `up{instance="${old.instance}"}`);
        return series.length === 0 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000 }
    );
    const up = await instantQuery(stack.prometheusUrl, 'up{job=~"node|backend"} == 1');
    expect(up.map((s) => `${s.metric.job} ${s.metric.instance}`).sort()).toEqual(
      [kept, replacement].flatMap((s) => [`backend ${s.instance}`, `node ${s.instance}`]).sort()
    );
    // ServerDown/BackendDown may have been pending while the old server was scraped down; once
    // every rule group has run on the ended series they are gone, long before their 2 minutes.
    const ended = Date.now();
    await waitFor(
      'every rule group to be evaluated after the series ended',
      async () => {
        const groups = await ruleGroups(stack.prometheusUrl);
        return groups.every((g) => Date.parse(g.lastEvaluation) > ended) ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 1000 }
    );
    const alerts = await instantQuery(
      stack.prometheusUrl,
      'ALERTS{alertname=~"ServerDown|BackendDown|NewServerNotAnswering"}'
    );
    expect(
      alerts.map((a) => `${a.metric.alertname} ${a.metric.alertstate} ${a.metric.instance}`)
    ).toEqual([]);
  }, 180_000);

  test('the server variables list the old server (its history) and the new one apart', async () => {
    for (const { dashboard } of dashboards)
      for (const options of Object.values(await variableOptions(dashboard)))
        expect([...options].sort()).toEqual([...SERVER_INSTANCES, replacement.instance].sort());
  });

  test("each server's history stays its own series: the old one's ends, the new one's starts", async () => {
    const now = Date.now() / 1000;
    const series = await rangeQuery(
      stack.prometheusUrl,
      'node_memory_MemTotal_bytes{job="node"}',
      now - 600,
      now,
      15
    );
    expect(series.map((s) => s.metric.instance).sort()).toEqual(
      [...SERVER_INSTANCES, replacement.instance].sort()
    );
  });
});
