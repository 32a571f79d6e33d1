// The zero-downtime simulation (not a test), run by scripts/bench/zero-downtime.sh, which
// prepares the database and the environment. Several "instances" on loopback, each the real
// backend (docker/backend/entrypoint.sh → gunicorn) behind the storefront's real nginx
// configuration (docker/frontend), sit behind a load balancer that health-checks and drains
// like the ALB (lib/load-balancer.mjs). wrk keeps a bounded load on the shop's product list
// through the load balancer the whole time, and a release of every instance is played twice:
//
//   replace   what an instance refresh does (launch before terminate, minimum healthy 100%):
//             for each instance, a new one boots, is registered, turns healthy; then the old
//             one is deregistered, drained and stopped.
//   patch     what the rollout did before the Auto Scaling groups (rollout-check's deprecated
//             in-place redeploy), kept as a comparison: for each instance, deregister and drain
//             it, restart its processes in place, wait for its /readyz, register it again and
//             wait until it is healthy.
//   abrupt    (only with SEQUENCES=...,abrupt) a control: replace, but the old instance is
//             stopped before it is deregistered, so it must show failed requests.
//
// For each it prints requests served, failed (5xx or socket errors), requests/s and p99 latency
// before the release (the same load, nothing changing) and during it.
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../tests/kit/free-port.mjs';
import { startLoadBalancer } from './lib/load-balancer.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const instances = Number(process.env.INSTANCES ?? 3);
const beforeSeconds = Number(process.env.BEFORE_SECONDS ?? 20);
const connections = Number(process.env.CONNECTIONS ?? 4);
const sequences = (process.env.SEQUENCES ?? 'replace,patch').split(',');
const loadPath = '/api/products/';
const verbose = process.env.VERBOSE === '1';

// The ALB's settings from terraform/modules/load (health check every 15 s, 5 s timeout, 2 passes
// to healthy, 3 failures to unhealthy, 30 s deregistration delay), with the interval and timeout
// divided by 7.5 so a release takes a minute or two rather than ten.
const healthCheck = {
  path: '/readyz',
  intervalMs: 2000,
  timeoutMs: 1500,
  healthyThreshold: 2,
  unhealthyThreshold: 3
};
const deregistrationDelayMs = 30_000;
const bootTimeoutMs = 240_000;

const work = mkdtempSync(path.join(tmpdir(), 'zero-downtime-'));
// nginx's workers run as nobody: the directories they read must be readable.
chmodSync(work, 0o755);
const storefrontRoot = path.join(work, 'storefront');
mkdirSync(storefrontRoot);
writeFileSync(
  path.join(storefrontRoot, 'index.html'),
  '<!doctype html><title>Shop</title><div id="root"></div>'
);
const running = new Set();
const say = (line) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);

/** The storefront's server block rendered as the image's envsubst step renders it. */
function renderServerBlock(env) {
  const dockerfile = readFileSync(path.join(repoRoot, 'docker/Dockerfile.frontend'), 'utf8');
  const filter = new RegExp(/NGINX_ENVSUBST_FILTER="([^"]*)"/.exec(dockerfile)[1]);
  const names = Object.keys(env).filter((name) => filter.test(name));
  const rendered = spawnSync('envsubst', [names.map((name) => `\${${name}}`).join(' ')], {
    input: readFileSync(
      path.join(repoRoot, 'docker/frontend/templates/default.conf.template'),
      'utf8'
    ),
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8'
  });
  if (rendered.status !== 0) throw new Error(`envsubst failed: ${rendered.stderr}`);
  return rendered.stdout;
}

/** A program in its own process group, its output in `logFile`. */
function startProgram(command, args, options) {
  const fd = openSync(options.logFile, 'a');
  const child = spawn(command, args, { ...options, stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const program = {
    child,
    exited,
    /** Graceful stop (`signal` to the main process), then the whole group killed after 35 s. */
    async stop(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, 35_000);
      await exited;
      clearTimeout(timer);
      running.delete(program);
    }
  };
  running.add(program);
  return program;
}

/** One instance: the backend image's entrypoint and the storefront's nginx, on ports given or chosen. */
async function startInstance(name, ports) {
  const dir = path.join(work, `${name}-${Date.now()}`);
  mkdirSync(path.join(dir, 'nginx/conf.d'), { recursive: true });
  chmodSync(dir, 0o755);
  const backendPort = ports?.backendPort ?? (await freePort());
  const nginxPort = ports?.nginxPort ?? (await freePort());
  // As compose.yml runs them: nginx keeps a pool on gunicorn's Unix socket.
  const socket = path.join(dir, 'gunicorn.sock');
  const backend = startProgram('sh', [path.join(repoRoot, 'docker/backend/entrypoint.sh')], {
    cwd: path.join(repoRoot, 'app/backend'),
    logFile: path.join(dir, 'backend.log'),
    env: {
      ...process.env,
      HOME: dir,
      TMPDIR: dir,
      DJANGO_SETTINGS_MODULE: 'config.settings.production',
      DJANGO_STATIC_ROOT: path.join(dir, 'static'),
      GUNICORN_BIND: `127.0.0.1:${backendPort},unix:${socket}`,
      // Two cores carry every instance, wrk and the load balancer: one worker each.
      GUNICORN_WORKERS: '1',
      GUNICORN_THREADS: '4'
    }
  });
  const prefix = path.join(dir, 'nginx');
  const main = readFileSync(path.join(repoRoot, 'docker/frontend/nginx.conf'), 'utf8').replaceAll(
    '/tmp/nginx/',
    `${prefix}/`
  );
  writeFileSync(
    path.join(prefix, 'nginx.conf'),
    main.replace('worker_processes auto;', 'worker_processes 1;')
  );
  writeFileSync(
    path.join(prefix, 'conf.d/default.conf'),
    renderServerBlock({
      LISTEN_PORT: String(nginxPort),
      STOREFRONT_ROOT: storefrontRoot,
      BACKEND_UPSTREAM: `unix:${socket}`
    })
  );
  const nginx = startProgram(
    'nginx',
    ['-c', path.join(prefix, 'nginx.conf'), '-p', prefix, '-e', 'stderr', '-g', 'daemon off;'],
    {
      logFile: path.join(dir, 'nginx.log')
    }
  );
  return {
    name,
    backendPort,
    nginxPort,
    dir,
    /** nginx finishes its requests on SIGQUIT, gunicorn on SIGTERM (graceful_timeout). */
    async stop() {
      await nginx.stop('SIGQUIT');
      await backend.stop('SIGTERM');
    }
  };
}

/** Waits until the instance's own /readyz answers 200, as the deploy document does. */
async function waitReady(instance) {
  const deadline = Date.now() + bootTimeoutMs;
  while (Date.now() < deadline) {
    try {
      const answer = await fetch(`http://127.0.0.1:${instance.nginxPort}/readyz`, {
        signal: AbortSignal.timeout(2000)
      });
      if (answer.status === 200) return;
    } catch {
      /* not up yet */
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${instance.name} not ready after ${bootTimeoutMs} ms; logs in ${instance.dir}`);
}

/** wrk against the load balancer; `stop()` ends it early (wrk prints its summary on SIGINT). */
function startLoad(url, seconds) {
  const child = spawn(
    'wrk',
    [
      '-t1',
      `-c${connections}`,
      `-d${seconds}s`,
      '--timeout',
      '10s',
      '-s',
      path.join(repoRoot, 'scripts/bench/backend-load.lua'),
      url + loadPath
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] }
  );
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  const result = new Promise((resolve, reject) =>
    child.once('exit', () => {
      const line = output.split('\n').find((l) => l.startsWith('RESULT'));
      if (!line) return reject(new Error(`wrk printed no result:\n${output}`));
      resolve(
        Object.fromEntries(
          line
            .split(' ')
            .slice(1)
            .map((kv) => kv.split('='))
            .map(([k, v]) => [k, Number(v)])
        )
      );
    })
  );
  return { result, stop: () => child.kill('SIGINT') };
}

async function measured(lb, label, action) {
  const countsBefore = lb.counts();
  const started = Date.now();
  const load = startLoad(lb.url, action ? 3600 : beforeSeconds);
  if (action) {
    await action();
    load.stop();
  }
  const wrk = await load.result;
  const counts = lb.counts();
  const statuses = Object.entries(counts.byStatus)
    .map(([status, n]) => [status, n - (countsBefore.byStatus[status] ?? 0)])
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${status}:${n}`)
    .join(' ');
  return {
    label,
    seconds: (Date.now() - started) / 1000,
    wrk,
    lbFailed: counts.failed - countsBefore.failed,
    statuses
  };
}

async function simulate(sequence) {
  const lb = await startLoadBalancer({
    healthCheck,
    deregistrationDelayMs,
    log: verbose ? say : undefined
  });
  say(`${sequence}: starting ${instances} instances behind the load balancer on ${lb.url}`);
  let fleet = [];
  for (let i = 1; i <= instances; i += 1) fleet.push(await startInstance(`${sequence}-${i}`));
  for (const instance of fleet) {
    lb.register(instance.name, instance.nginxPort);
    await lb.waitHealthy(instance.name, bootTimeoutMs);
  }
  // Warm every worker's database connection before measuring.
  await startLoad(lb.url, 3).result;
  say(`${sequence}: ${beforeSeconds} s of load before the release`);
  const before = await measured(lb, 'before', undefined);
  const steps = [];
  say(`${sequence}: releasing every instance under the same load`);
  const during = await measured(lb, 'release', async () => {
    const replaced = [];
    for (const old of fleet) {
      const stepStarted = Date.now();
      if (sequence === 'abrupt') {
        // The control: the same replacement with the old instance stopped before it leaves the
        // load balancer, which keeps sending it requests until its health checks fail. It shows
        // the harness sees failed requests when there are some.
        const fresh = await startInstance(`${old.name}-new`);
        lb.register(fresh.name, fresh.nginxPort);
        await lb.waitHealthy(fresh.name, bootTimeoutMs);
        await old.stop();
        const drain = await lb.deregister(old.name);
        replaced.push(fresh);
        steps.push({ name: old.name, seconds: (Date.now() - stepStarted) / 1000, drain });
      } else if (sequence === 'replace') {
        const fresh = await startInstance(`${old.name}-new`);
        lb.register(fresh.name, fresh.nginxPort);
        await lb.waitHealthy(fresh.name, bootTimeoutMs);
        const drain = await lb.deregister(old.name);
        await old.stop();
        replaced.push(fresh);
        steps.push({ name: old.name, seconds: (Date.now() - stepStarted) / 1000, drain });
      } else {
        const drain = await lb.deregister(old.name);
        await old.stop();
        const restarted = await startInstance(old.name, {
          backendPort: old.backendPort,
          nginxPort: old.nginxPort
        });
        await waitReady(restarted);
        lb.register(restarted.name, restarted.nginxPort);
        await lb.waitHealthy(restarted.name, bootTimeoutMs);
        replaced.push(restarted);
        steps.push({ name: old.name, seconds: (Date.now() - stepStarted) / 1000, drain });
      }
      say(
        `${sequence}: ${old.name} done in ${steps.at(-1).seconds.toFixed(1)} s (drain ${steps.at(-1).drain.drainMs} ms, ${steps.at(-1).drain.cut} cut)`
      );
    }
    fleet = replaced;
  });
  for (const instance of fleet) await instance.stop();
  await lb.stop();
  return { sequence, before, during, steps };
}

const results = [];
const loadBefore = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
try {
  for (const sequence of sequences) results.push(await simulate(sequence));
} finally {
  for (const program of running) await program.stop('SIGTERM');
}
const loadAfter = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const names = {
  replace: 'replace (instance refresh)',
  patch: 'patch in place (the old rollout)',
  abrupt: 'stop before deregistering'
};
console.log(
  `\nzero-downtime simulation: ${instances} instances (gunicorn 1x4 + nginx each), wrk -c${connections} on ${loadPath} through the load balancer`
);
console.log(
  `machine: ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} cores; load average before ${loadBefore}, after ${loadAfter}`
);
console.log(
  `${'sequence'.padEnd(28)}${'window'.padEnd(9)}${'seconds'.padStart(8)}${'requests'.padStart(10)}${'failed'.padStart(8)}${'req/s'.padStart(8)}${'p99 ms'.padStart(9)}  load balancer statuses`
);
for (const r of results) {
  for (const w of [r.before, r.during]) {
    console.log(
      `${names[r.sequence].padEnd(28)}${w.label.padEnd(9)}${w.seconds.toFixed(1).padStart(8)}${String(w.wrk.requests).padStart(10)}` +
        `${String(w.wrk.errors).padStart(8)}${w.wrk.rps.toFixed(1).padStart(8)}${w.wrk.p99_ms.toFixed(1).padStart(9)}  ${w.statuses}`
    );
  }
}
for (const r of results) {
  console.log(
    `${names[r.sequence]}: p99 during/before ${(r.during.wrk.p99_ms / r.before.wrk.p99_ms).toFixed(2)}x, req/s during/before ` +
      `${(r.during.wrk.rps / r.before.wrk.rps).toFixed(2)}x; per instance ${r.steps.map((s) => `${s.seconds.toFixed(0)} s`).join(', ')}; ` +
      `requests cut by a drain: ${r.steps.reduce((n, s) => n + s.drain.cut, 0)}`
  );
}
if (process.env.KEEP !== '1') rmSync(work, { recursive: true, force: true });
else say(`logs kept in ${work}`);
// The goal is a release without a failed request: a replace that failed one is a broken result.
const replace = results.find((r) => r.sequence === 'replace');
if (replace && replace.during.wrk.errors > 0) process.exitCode = 1;
