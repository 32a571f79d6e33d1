/**
 * The monitoring stack on one machine, from the real programs: Debian's node_exporter,
 * blackbox exporter, Alertmanager and Prometheus, and the shop's real Django backend under
 * gunicorn (from /work/main/.venv, against a fresh SQLite database), each on a free loopback
 * port in a temporary directory. A second node_exporter stands for the monitoring server's own,
 * with the flags its user data gives it (textfile collector only), over a directory holding the
 * `fraud_scan.prom` the real fraud-scan CLI wrote (what the fetch timer copies from S3 on the
 * server). Prometheus runs monitoring/prometheus/prometheus.local.yml unchanged (but for its
 * scrape and evaluation interval when a test shortens them), with target files pointing at these
 * processes; Alertmanager runs alertmanager.local.yml with its webhook pointed at a receiver
 * inside this process.
 *
 * Used by monitoring/__tests__/live.test.ts and by monitoring/preview/render-dashboards.sh.
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  freePort,
  startProcess,
  waitFor,
  waitForHttp,
  type RunningProcess
} from '../../../tests/kit/processes.js';
import {
  activeTargets,
  instantQuery,
  ruleGroups,
  type PromTarget
} from '../../preview/prometheus-api.js';
import { parse, stringify } from 'yaml';
import { produceFraudScanTextfile } from './fraud-scan-textfile.js';

/** The repository root (monitoring/__tests__/support/../../..). */
export const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');
const MONITORING = join(REPO_ROOT, 'monitoring');
const BACKEND = join(REPO_ROOT, 'app', 'backend');
const VENV_BIN = join(REPO_ROOT, '.venv', 'bin');

/**
 * An app server of the stack, labelled as EC2 discovery labels one (prometheus.ec2.yml.tftpl):
 * `instance` is `<Name>/<instance id>`, `name` the Name tag its zone's Auto Scaling group gives
 * all its servers.
 */
export interface LocalServer {
  instance: string;
  name: string;
  instance_id: string;
  availability_zone: string;
}

/** A server of zone `local-a`'s group (Name `ecommerce_app_local`), by instance id. */
export function localServer(instanceId: string): LocalServer {
  return {
    instance: `ecommerce_app_local/${instanceId}`,
    name: 'ecommerce_app_local',
    instance_id: instanceId,
    availability_zone: 'local-a'
  };
}

/**
 * The app servers the stack starts with: two of one Name in one zone (a group that scaled out,
 * or old and new side by side in an instance refresh), each with its own node_exporter and
 * backend.
 */
export const LOCAL_SERVERS: readonly LocalServer[] = [
  localServer('i-0000000000000000a'),
  localServer('i-0000000000000000b')
];

/** An alert notification as Alertmanager's webhook receiver posts it. */
export interface WebhookNotification {
  status: string;
  receiver: string;
  groupLabels: Record<string, string>;
  alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
}

/** A running stack. */
export interface MonitoringStack {
  dir: string;
  prometheusUrl: string;
  backendUrl: string;
  alertmanagerUrl: string;
  /** The `fraud_scan.prom` the monitoring server's node_exporter exposes (from the real CLI). */
  fraudScanTextfile: string;
  /** Notifications the webhook receiver got, oldest first. */
  notifications: WebhookNotification[];
  /** Number of requests the traffic driver sent, by the status the backend answered. */
  trafficByStatus: Map<number, number>;
  /** The app servers scraped now (node and backend), in order. */
  servers(): LocalServer[];
  /**
   * An instance refresh's step, as discovery sees it: starts `replacement` (its own
   * node_exporter and backend) and adds its targets, then shuts `old` down (its processes
   * stop, Prometheus scrapes `up` 0) and removes its targets, as discovery drops a terminated
   * server. Resolves when Prometheus has scraped the replacement and seen the old one down.
   */
  replaceServer(old: LocalServer, replacement: LocalServer): Promise<void>;
  processes: RunningProcess[];
  stop(): Promise<void>;
}

/**
 * An always-firing alert added beside the project's rules, so the test sees a notification go
 * from Prometheus through Alertmanager to a receiver. It is not one of the project's rules.
 */
export const PIPELINE_CHECK_ALERT = 'MonitoringPipelineCheck';
const PIPELINE_CHECK_RULES = `groups:
  - name: test-only
    rules:
      - alert: ${PIPELINE_CHECK_ALERT}
        expr: vector(1)
        labels:
          severity: warning
        annotations:
          summary: Test-only alert, proving the path to the receiver
          description: Added by monitoring/__tests__/support/stack.ts, never deployed.
          runbook: Nothing to do.
`;

/** Requests the traffic driver sends each round: successes, 404s (two kinds), a 401, a 400. */
const TRAFFIC: { method: string; path: string; body?: unknown }[] = [
  { method: 'GET', path: '/api/products/' },
  { method: 'GET', path: '/api/products/?page_size=5' },
  { method: 'GET', path: '/api/categories/' },
  { method: 'GET', path: '/api/config/' },
  { method: 'GET', path: '/api/products/999999/' },
  { method: 'GET', path: '/no-such-page' },
  { method: 'GET', path: '/api/account/me/' },
  { method: 'POST', path: '/api/auth/register/', body: { email: 'not-an-email', password: 'x' } },
  { method: 'GET', path: '/readyz' }
];

/** A file_sd file: one group per entry, each its targets and labels. */
function writeTargets(
  dir: string,
  name: string,
  groups: { targets: string[]; labels: Record<string, string> }[]
): void {
  // Written beside and renamed, so Prometheus never reads half a file.
  const file = join(dir, `${name}.yml`);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(groups, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

async function startWebhookReceiver(
  notifications: WebhookNotification[]
): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      try {
        notifications.push(
          JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookNotification
        );
        response.writeHead(200).end();
      } catch {
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { server, url: `http://127.0.0.1:${port}/alerts` };
}

/**
 * The monitoring server's node_exporter flags, read from its user data (the ARGS written to
 * /etc/default/prometheus-node-exporter), so the stack runs it as the server does.
 */
export function monitoringServerNodeExporterArgs(): string[] {
  const userData = readFileSync(
    join(REPO_ROOT, 'terraform', 'modules', 'monitoring', 'templates', 'user_data.sh.tftpl'),
    'utf8'
  );
  const args = /cat >\/etc\/default\/prometheus-node-exporter <<'ENV'\nARGS="([^"]*)"/.exec(
    userData
  )?.[1];
  if (!args)
    throw new Error("no prometheus-node-exporter ARGS in the monitoring server's user data");
  return args.split(/\s+/).filter(Boolean);
}

/** Why the stack cannot start here, or undefined when it can. */
export function missingPrerequisites(): string | undefined {
  const missing = [
    'prometheus',
    'prometheus-node-exporter',
    'prometheus-blackbox-exporter',
    'prometheus-alertmanager'
  ].filter((tool) => {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0)
    return `missing Debian packages: ${missing.join(', ')} (scripts/suites/70-monitoring.sh installs them)`;
  if (!existsSync(join(BACKEND, 'manage.py'))) return 'app/backend/manage.py is missing';
  if (!existsSync(join(VENV_BIN, 'gunicorn')))
    return '.venv has no gunicorn (ensure_backend_venv in scripts/lib/common.sh)';
  return undefined;
}

/** The scrape and evaluation interval the tests run Prometheus with (the configurations say 15 s). */
export const TEST_INTERVAL_SECONDS = 5;

/** A Prometheus configuration with its global scrape and evaluation interval set to `seconds`. */
export function withInterval(config: string, seconds: number | undefined): string {
  if (seconds === undefined) return config;
  const parsed = parse(config) as { global?: Record<string, unknown> };
  // A scrape may not outlast the interval (Prometheus refuses the configuration).
  parsed.global = {
    ...parsed.global,
    scrape_interval: `${seconds}s`,
    scrape_timeout: `${seconds}s`,
    evaluation_interval: `${seconds}s`
  };
  return stringify(parsed);
}

/**
 * Starts everything, sends traffic to the backend every `trafficEveryMs`, and resolves once
 * every target is up and Prometheus has two scrapes of request metrics (so rate() has data).
 */
export async function startMonitoringStack(
  options: {
    trafficEveryMs?: number;
    varyTraffic?: boolean;
    /**
     * Prometheus's scrape and rule evaluation interval, in seconds; the configuration's own (15 s)
     * when absent. Every wait on Prometheus (a target up or down, a series ended, a rule run) is
     * a few intervals, so the tests shorten it; nothing else of the configuration changes.
     */
    intervalSeconds?: number;
    log?: (line: string) => void;
  } = {}
): Promise<MonitoringStack> {
  const log = options.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'monitoring-stack-'));
  const processes: RunningProcess[] = [];
  const notifications: WebhookNotification[] = [];
  const trafficByStatus = new Map<number, number>();
  let webhook: Server | undefined;
  let traffic: NodeJS.Timeout | undefined;

  const stop = async (): Promise<void> => {
    if (traffic) clearInterval(traffic);
    await Promise.all(processes.map((p) => p.stop()));
    if (webhook) await new Promise<void>((done) => webhook?.close(() => done()));
    if (!process.env.MONITORING_KEEP_STACK_DIR) rmSync(dir, { recursive: true, force: true });
  };

  try {
    const [blackboxPort, alertmanagerPort, prometheusPort, fraudNodePort] = await Promise.all(
      [0, 1, 2, 3].map(() => freePort())
    );
    const logs = join(dir, 'logs');
    mkdirSync(logs);

    // Each app server's node_exporter and backend, on ports of their own (startServer below).
    // The monitoring server's node_exporter as user data configures it: the textfile collector
    // only, over the directory the fetch timer fills; the file is the real CLI's output.
    log('running the fraud scan CLI for fraud_scan.prom');
    const fraudScanTextfile = produceFraudScanTextfile();
    const fraudTextfile = join(dir, 'fraud-scan-textfile');
    mkdirSync(fraudTextfile);
    writeFileSync(join(fraudTextfile, 'fraud_scan.prom'), fraudScanTextfile);
    const fraudNode = startProcess(
      'node_exporter (monitoring server)',
      'prometheus-node-exporter',
      monitoringServerNodeExporterArgs().map((arg) =>
        arg.startsWith('--web.listen-address=')
          ? `--web.listen-address=127.0.0.1:${fraudNodePort}`
          : arg.startsWith('--collector.textfile.directory=')
            ? `--collector.textfile.directory=${fraudTextfile}`
            : arg
      ),
      { logFile: join(logs, 'node_exporter-monitoring.log') }
    );
    processes.push(fraudNode);

    // The backends: migrate a fresh SQLite database, then per server gunicorn with the image's
    // own settings file and, as on the servers, several workers sharing metrics through a
    // multiprocess dir of its own. The servers share the database, as they share RDS.
    const backendEnv = {
      ...process.env,
      DJANGO_ENV: 'development',
      DJANGO_DEBUG: 'false',
      DATABASE_URL: `sqlite:///${join(dir, 'shop.sqlite3')}`,
      GUNICORN_WORKERS: '2',
      GUNICORN_THREADS: '2',
      LOG_LEVEL: 'WARNING'
    };
    log('migrating the backend database');
    execFileSync(join(VENV_BIN, 'python'), ['manage.py', 'migrate', '--verbosity', '0'], {
      cwd: BACKEND,
      env: backendEnv,
      stdio: ['ignore', 'ignore', 'pipe']
    });

    interface RunningServer {
      server: LocalServer;
      nodePort: number;
      backendUrl: string;
      processes: RunningProcess[];
    }
    const running: RunningServer[] = [];
    const startServer = async (server: LocalServer): Promise<RunningServer> => {
      const [nodePort, backendPort] = await Promise.all([freePort(), freePort()]);
      const id = server.instance_id;
      const textfile = join(dir, `textfile-${id}`);
      mkdirSync(textfile);
      const node = startProcess(
        `node_exporter ${id}`,
        'prometheus-node-exporter',
        [
          `--web.listen-address=127.0.0.1:${nodePort}`,
          `--collector.textfile.directory=${textfile}`
        ],
        { logFile: join(logs, `node_exporter-${id}.log`) }
      );
      processes.push(node);
      const multiproc = join(dir, `prometheus-multiproc-${id}`);
      mkdirSync(multiproc);
      const backend = startProcess(
        `gunicorn ${id}`,
        join(VENV_BIN, 'gunicorn'),
        ['-c', join(REPO_ROOT, 'docker', 'backend', 'gunicorn.conf.py'), 'config.wsgi'],
        {
          cwd: BACKEND,
          env: {
            ...backendEnv,
            PROMETHEUS_MULTIPROC_DIR: multiproc,
            GUNICORN_BIND: `127.0.0.1:${backendPort}`
          },
          logFile: join(logs, `gunicorn-${id}.log`)
        }
      );
      processes.push(backend);
      const backendUrl = `http://127.0.0.1:${backendPort}`;
      await Promise.all([
        waitForHttp(`http://127.0.0.1:${nodePort}/metrics`, { timeoutMs: 20_000, process: node }),
        waitForHttp(`${backendUrl}/healthz`, { timeoutMs: 30_000, process: backend })
      ]);
      return { server, nodePort, backendUrl, processes: [node, backend] };
    };
    log('starting the app servers');
    running.push(...(await Promise.all(LOCAL_SERVERS.map((server) => startServer(server)))));
    const first = running[0];
    if (!first) throw new Error('LOCAL_SERVERS is empty');

    const blackbox = startProcess(
      'blackbox_exporter',
      'prometheus-blackbox-exporter',
      [
        `--config.file=${join(MONITORING, 'blackbox', 'blackbox.yml')}`,
        `--web.listen-address=127.0.0.1:${blackboxPort}`
      ],
      { logFile: join(logs, 'blackbox.log') }
    );
    processes.push(blackbox);

    // Alertmanager: the local configuration with its webhook pointed at this process.
    const receiver = await startWebhookReceiver(notifications);
    webhook = receiver.server;
    const amConfig = readFileSync(
      join(MONITORING, 'alertmanager', 'alertmanager.local.yml'),
      'utf8'
    );
    if (!amConfig.includes('http://127.0.0.1:9099/alerts'))
      throw new Error('alertmanager.local.yml no longer has the webhook URL the stack replaces');
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      amConfig.replace('http://127.0.0.1:9099/alerts', receiver.url)
    );
    const alertmanager = startProcess(
      'alertmanager',
      'prometheus-alertmanager',
      [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${join(dir, 'alertmanager-data')}`,
        `--web.listen-address=127.0.0.1:${alertmanagerPort}`,
        // No high-availability gossip: it would listen on a fixed port (9094).
        '--cluster.listen-address='
      ],
      { logFile: join(logs, 'alertmanager.log') }
    );
    processes.push(alertmanager);

    // Prometheus: prometheus.local.yml, beside its rules and this stack's targets.
    const promDir = join(dir, 'prometheus');
    mkdirSync(join(promDir, 'rules'), { recursive: true });
    mkdirSync(join(promDir, 'targets'));
    writeFileSync(
      join(promDir, 'prometheus.yml'),
      withInterval(
        readFileSync(join(MONITORING, 'prometheus', 'prometheus.local.yml'), 'utf8'),
        options.intervalSeconds
      )
    );
    for (const file of readdirSync(join(MONITORING, 'prometheus', 'rules'))) {
      copyFileSync(join(MONITORING, 'prometheus', 'rules', file), join(promDir, 'rules', file));
    }
    writeFileSync(join(promDir, 'rules', 'zz-test-only-pipeline-check.yml'), PIPELINE_CHECK_RULES);
    const targetsDir = join(promDir, 'targets');
    // What discovery would list: every running server, labelled as relabelling labels it.
    const writeServerTargets = (): void => {
      const labels = (s: LocalServer): Record<string, string> => ({ ...s });
      writeTargets(
        targetsDir,
        'node',
        running.map((r) => ({ targets: [`127.0.0.1:${r.nodePort}`], labels: labels(r.server) }))
      );
      writeTargets(
        targetsDir,
        'backend',
        running.map((r) => ({
          targets: [r.backendUrl.replace('http://', '')],
          labels: labels(r.server)
        }))
      );
    };
    writeServerTargets();
    // Stands in for the load balancer: the health path the frontend's nginx proxies to a backend.
    writeTargets(targetsDir, 'lb_health', [
      {
        targets: [`${first.backendUrl}/readyz`],
        labels: { __blackbox: `127.0.0.1:${blackboxPort}` }
      }
    ]);
    const monitoring = { instance: 'monitoring' };
    writeTargets(targetsDir, 'prometheus', [
      { targets: [`127.0.0.1:${prometheusPort}`], labels: monitoring }
    ]);
    writeTargets(targetsDir, 'alertmanager', [
      { targets: [`127.0.0.1:${alertmanagerPort}`], labels: monitoring }
    ]);
    writeTargets(targetsDir, 'fraud_scan', [
      { targets: [`127.0.0.1:${fraudNodePort}`], labels: monitoring }
    ]);
    const prometheus = startProcess(
      'prometheus',
      'prometheus',
      [
        `--config.file=${join(promDir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'prometheus-data')}`,
        `--web.listen-address=127.0.0.1:${prometheusPort}`,
        // A firing alert evaluated before Prometheus has discovered the Alertmanager is sent
        // again only after this delay (1 m by default): with short intervals, the first
        // evaluation usually comes first.
        ...(options.intervalSeconds === undefined
          ? []
          : [`--rules.alert.resend-delay=${options.intervalSeconds}s`])
      ],
      { cwd: promDir, logFile: join(logs, 'prometheus.log') }
    );
    processes.push(prometheus);

    const backendUrl = first.backendUrl;
    const prometheusUrl = `http://127.0.0.1:${prometheusPort}`;
    const alertmanagerUrl = `http://127.0.0.1:${alertmanagerPort}`;
    await Promise.all([
      waitForHttp(`http://127.0.0.1:${fraudNodePort}/metrics`, {
        timeoutMs: 20_000,
        process: fraudNode
      }),
      waitForHttp(`http://127.0.0.1:${blackboxPort}/metrics`, {
        timeoutMs: 20_000,
        process: blackbox
      }),
      waitForHttp(`${alertmanagerUrl}/-/ready`, { timeoutMs: 20_000, process: alertmanager }),
      waitForHttp(`${prometheusUrl}/-/ready`, { timeoutMs: 30_000, process: prometheus })
    ]);
    log('all processes answer');

    // Traffic, in bounded rounds: one round now so the first scrape already has request metrics.
    // Each round goes to every server's backend, as the load balancer spreads requests.
    const round = async (): Promise<void> => {
      const requests = running.flatMap((r) =>
        TRAFFIC.map((request) => ({ ...request, url: r.backendUrl }))
      );
      await Promise.all(
        requests.map(async ({ url, method, path, body }) => {
          try {
            const response = await fetch(`${url}${path}`, {
              method,
              headers: body ? { 'content-type': 'application/json' } : {},
              body: body ? JSON.stringify(body) : undefined,
              signal: AbortSignal.timeout(15_000)
            });
            await response.arrayBuffer();
            trafficByStatus.set(response.status, (trafficByStatus.get(response.status) ?? 0) + 1);
          } catch {
            trafficByStatus.set(0, (trafficByStatus.get(0) ?? 0) + 1);
          }
        })
      );
    };
    await round();
    // A tick is skipped while the previous one is still in flight, so a slow (busy) machine
    // gets less traffic rather than a pile of timed-out requests. With `varyTraffic`, one to
    // five rounds per tick, rising and falling over about three minutes, so a longer collection
    // (render-dashboards.sh) draws traffic that varies like a shop's.
    let tick = 0;
    let busy = false;
    traffic = setInterval(() => {
      if (busy) return;
      busy = true;
      const rounds = options.varyTraffic ? 1 + Math.round(2 * (1 + Math.sin(tick++ / 15))) : 1;
      void Promise.all(Array.from({ length: rounds }, () => round())).finally(() => {
        busy = false;
      });
    }, options.trafficEveryMs ?? 2000);

    await waitFor(
      'every target to be up',
      async () => {
        const targets = await activeTargets(prometheusUrl);
        const down = targets.filter((t: PromTarget) => t.health !== 'up');
        return targets.length === 4 + 2 * running.length && down.length === 0 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000, process: prometheus }
    );
    log('every target is up');
    // rate() needs two samples inside its window: wait until the request histograms have a rate.
    await waitFor(
      'two scrapes of every target, with request metrics',
      async () => {
        const [requests, scrapes] = await Promise.all([
          instantQuery(
            prometheusUrl,
            'sum(rate(django_http_requests_latency_seconds_by_view_method_bucket[1m])) > 0'
          ),
          instantQuery(prometheusUrl, 'min(count_over_time(up[1m])) >= 2')
        ]);
        return requests.length > 0 && scrapes.length > 0 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000, process: prometheus }
    );
    // Each rule group runs at its own offset within the evaluation interval: wait until all
    // have run on this data, so alerts reflect the stack and not its first empty seconds.
    const dataSince = Date.now();
    await waitFor(
      'every rule group to be evaluated on the scraped data',
      async () => {
        const groups = await ruleGroups(prometheusUrl);
        const pending = groups.filter((g) => Date.parse(g.lastEvaluation) <= dataSince);
        return groups.length > 0 && pending.length === 0 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000, process: prometheus }
    );
    log('rates have data');

    const upOf = async (server: LocalServer): Promise<string[]> =>
      (await instantQuery(prometheusUrl, `up{instance="${server.instance}"}`))
        .map((series) => `${series.metric.job} ${series.value?.[1]}`)
        .sort();
    const replaceServer = async (old: LocalServer, replacement: LocalServer): Promise<void> => {
      const leaving = running.find((r) => r.server.instance === old.instance);
      if (!leaving) throw new Error(`${old.instance} is not one of the stack's servers`);
      // Launch before terminate: the new server is scraped before the old one goes.
      running.push(await startServer(replacement));
      writeServerTargets();
      await waitFor(
        `${replacement.instance} to be scraped up`,
        async () => ((await upOf(replacement)).join(',') === 'backend 1,node 1' ? true : undefined),
        { timeoutMs: 60_000, intervalMs: 500, process: prometheus }
      );
      // The shutdown: its exporters stop, and Prometheus scrapes them down before discovery
      // notices the instance is no longer running.
      running.splice(running.indexOf(leaving), 1);
      await Promise.all(leaving.processes.map((p) => p.stop()));
      await waitFor(
        `${old.instance} to be scraped down`,
        async () => ((await upOf(old)).join(',') === 'backend 0,node 0' ? true : undefined),
        { timeoutMs: 60_000, intervalMs: 500, process: prometheus }
      );
      writeServerTargets();
    };

    return {
      dir,
      prometheusUrl,
      backendUrl,
      alertmanagerUrl,
      fraudScanTextfile,
      notifications,
      trafficByStatus,
      servers: () => running.map((r) => r.server),
      replaceServer,
      processes,
      stop
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
