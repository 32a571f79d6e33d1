// A small HTTP load balancer that behaves like the shop's Application Load Balancer where a
// release touches it: targets registered and deregistered at run time, active health checks
// deciding which targets get traffic, and connection draining on deregistration.
//
// Why not a library or nginx: nginx's open-source upstream module has no active health checks
// (that is NGINX Plus) and changes its targets only by reloading its configuration; HAProxy is
// not on this machine; the npm proxies (http-proxy and friends) forward requests but know
// neither target states nor draining. What the benchmark must get right is exactly those
// states, so they are written out here, in about 200 lines, after the ALB's documented rules:
//
// - A registered target starts `initial` and receives traffic only once `healthyThreshold`
//   consecutive checks pass; `unhealthyThreshold` consecutive failures make it `unhealthy`.
// - Requests go round robin to healthy targets. With none healthy the ALB "fails open" and
//   sends to every registered target; so does this one.
// - Deregistering makes a target `draining`: no new requests, in-flight ones finish. It ends
//   as soon as the target has no in-flight request (the ALB's rule) or after
//   `deregistrationDelayMs`, when what is left is cut.
// - No retries: the ALB answers 502 when a target resets or refuses a connection, 504 when it
//   does not answer in time, and never sends the request elsewhere.
//
// Plain JavaScript so scripts/bench/ runs it with Node alone.
import { Agent, createServer, request } from 'node:http';

/**
 * @typedef {'initial' | 'healthy' | 'unhealthy' | 'draining'} TargetState
 * @typedef {{ id: string, port: number, state: TargetState, agent: Agent, inFlight: number,
 *   passes: number, fails: number, timer?: NodeJS.Timeout, served: number, failed: number,
 *   onState: Set<() => void> }} Target
 */

/**
 * Starts the load balancer on a loopback port.
 * @param {{ healthCheck: { path: string, intervalMs: number, timeoutMs: number,
 *   healthyThreshold: number, unhealthyThreshold: number }, deregistrationDelayMs: number,
 *   idleTimeoutMs?: number, log?: (line: string) => void }} options
 */
export async function startLoadBalancer(options) {
  const { healthCheck, deregistrationDelayMs } = options;
  const log = options.log ?? (() => {});
  /** @type {Map<string, Target>} */
  const targets = new Map();
  let next = 0;
  const counts = { requests: 0, failed: 0, byStatus: /** @type {Record<string, number>} */ ({}) };

  function setState(target, state) {
    if (target.state === state) return;
    log(`target ${target.id}: ${target.state} -> ${state}`);
    target.state = state;
    for (const listener of target.onState) listener();
  }

  function pick() {
    const registered = [...targets.values()].filter((t) => t.state !== 'draining');
    const healthy = registered.filter((t) => t.state === 'healthy');
    const pool = healthy.length > 0 ? healthy : registered;
    if (pool.length === 0) return undefined;
    next = (next + 1) % pool.length;
    return pool[next];
  }

  function count(status, target) {
    counts.requests += 1;
    counts.byStatus[status] = (counts.byStatus[status] ?? 0) + 1;
    // A failed request is what the buyer sees as one: any 5xx, whoever produced it.
    const failed = status >= 500;
    if (failed) counts.failed += 1;
    if (target) {
      if (failed) target.failed += 1;
      else target.served += 1;
    }
  }

  const server = createServer((req, res) => {
    const target = pick();
    if (!target) {
      count(503);
      res.writeHead(503, { 'Content-Type': 'text/plain' }).end('no registered targets');
      return;
    }
    target.inFlight += 1;
    let settled = false;
    const settle = (status) => {
      if (settled) return;
      settled = true;
      target.inFlight -= 1;
      count(status, target);
      if (target.state === 'draining' && target.inFlight === 0) {
        for (const listener of target.onState) listener();
      }
    };
    const headers = {
      ...req.headers,
      'x-forwarded-for': req.socket.remoteAddress ?? '',
      'x-forwarded-proto': 'http'
    };
    const upstream = request(
      {
        host: '127.0.0.1',
        port: target.port,
        method: req.method,
        path: req.url,
        headers,
        agent: target.agent
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.once('end', () => settle(answer.statusCode ?? 502));
        answer.once('error', () => settle(502));
      }
    );
    upstream.setTimeout(options.idleTimeoutMs ?? 60_000, () => {
      upstream.destroy(new Error('target timed out'));
      if (!res.headersSent)
        res.writeHead(504, { 'Content-Type': 'text/plain' }).end('504 Gateway Time-out');
      settle(504);
    });
    upstream.once('error', () => {
      if (!res.headersSent)
        res.writeHead(502, { 'Content-Type': 'text/plain' }).end('502 Bad Gateway');
      else res.destroy();
      settle(502);
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = options.idleTimeoutMs ?? 60_000;

  function check(target) {
    const probe = request(
      // Health checks open their own connections, as the ALB's do, never the traffic's.
      {
        host: '127.0.0.1',
        port: target.port,
        path: healthCheck.path,
        agent: false,
        timeout: healthCheck.timeoutMs
      },
      (answer) => {
        answer.resume();
        answer.once('end', () => verdict(target, answer.statusCode === 200));
      }
    );
    probe.once('timeout', () => probe.destroy(new Error('health check timed out')));
    probe.once('error', () => verdict(target, false));
    probe.end();
  }

  function verdict(target, passed) {
    if (target.state === 'draining' || !targets.has(target.id)) return;
    if (passed) {
      target.passes += 1;
      target.fails = 0;
      if (target.passes >= healthCheck.healthyThreshold) setState(target, 'healthy');
    } else {
      target.fails += 1;
      target.passes = 0;
      if (target.fails >= healthCheck.unhealthyThreshold) setState(target, 'unhealthy');
    }
  }

  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    /** Requests answered so far, failed ones (5xx) and the count per status. */
    counts: () => ({
      requests: counts.requests,
      failed: counts.failed,
      byStatus: { ...counts.byStatus }
    }),
    /** Every target's id and state. */
    states: () =>
      [...targets.values()].map((t) => ({ id: t.id, state: t.state, inFlight: t.inFlight })),
    /** RegisterTargets: the target starts `initial` and is checked from now on. */
    register(id, targetPort) {
      if (targets.has(id)) throw new Error(`target ${id} is already registered`);
      /** @type {Target} */
      const target = {
        id,
        port: targetPort,
        state: 'initial',
        agent: new Agent({ keepAlive: true, maxSockets: 64 }),
        inFlight: 0,
        passes: 0,
        fails: 0,
        served: 0,
        failed: 0,
        onState: new Set()
      };
      targets.set(id, target);
      log(`target ${id}: registered (port ${targetPort})`);
      check(target);
      target.timer = setInterval(() => check(target), healthCheck.intervalMs);
    },
    /** Resolves when the target is healthy (the `target-in-service` waiter); rejects after `timeoutMs`. */
    waitHealthy(id, timeoutMs) {
      const target = targets.get(id);
      if (!target) return Promise.reject(new Error(`target ${id} is not registered`));
      return new Promise((resolve, reject) => {
        const done = () => {
          if (target.state !== 'healthy') return;
          clearTimeout(timer);
          target.onState.delete(done);
          resolve(undefined);
        };
        const timer = setTimeout(() => {
          target.onState.delete(done);
          reject(
            new Error(`target ${id} not healthy after ${timeoutMs} ms (state ${target.state})`)
          );
        }, timeoutMs);
        target.onState.add(done);
        done();
      });
    },
    /**
     * DeregisterTargets plus the `target-deregistered` waiter: drains the target and resolves
     * once it is gone, with how long the drain took and how many requests it had to cut.
     */
    deregister(id) {
      const target = targets.get(id);
      if (!target) return Promise.reject(new Error(`target ${id} is not registered`));
      const started = Date.now();
      clearInterval(target.timer);
      setState(target, 'draining');
      return new Promise((resolve) => {
        const finish = (cut) => {
          clearTimeout(timer);
          target.onState.delete(drained);
          targets.delete(id);
          // Idle keep-alive connections close with the drain, as the ALB closes its own.
          target.agent.destroy();
          log(
            `target ${id}: deregistered after ${Date.now() - started} ms${cut ? `, ${cut} in-flight cut` : ''}`
          );
          resolve({
            drainMs: Date.now() - started,
            cut,
            served: target.served,
            failed: target.failed
          });
        };
        const drained = () => {
          if (target.inFlight === 0) finish(0);
        };
        const timer = setTimeout(() => finish(target.inFlight), deregistrationDelayMs);
        target.onState.add(drained);
        drained();
      });
    },
    async stop() {
      for (const target of targets.values()) {
        clearInterval(target.timer);
        target.agent.destroy();
      }
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
    }
  };
}
