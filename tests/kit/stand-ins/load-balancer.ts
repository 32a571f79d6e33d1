import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP server standing in for the shop's load balancer. Until `healthyAfterMs` has
 * passed since the first request it receives (or forever, with Infinity) it answers as an ALB
 * does while its targets are unhealthy or the app is still starting; afterwards as the shop
 * does. Counting from the first request makes "unhealthy at first" certain however slowly the
 * checker starts.
 */
export interface LoadBalancerStandIn {
  url: string;
  /** Requests seen, as "METHOD path". */
  requests: string[];
  stop(): Promise<void>;
}

const STOREFRONT =
  '<!doctype html><html lang="en"><head><title>Shop</title></head><body><div id="root"></div></body></html>';
const CATALOG = JSON.stringify({
  count: 1,
  page: 1,
  page_size: 12,
  num_pages: 1,
  next: null,
  previous: null,
  results: [{ id: 1, name: 'Walnut desk', slug: 'walnut-desk', price: '349.00', currency: 'USD' }]
});

export async function startLoadBalancer(options: {
  healthyAfterMs: number;
  healthPath?: string;
}): Promise<LoadBalancerStandIn> {
  let started: number | undefined;
  const healthPath = options.healthPath ?? '/readyz';
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://lb').pathname;
    requests.push(`${req.method} ${path}`);
    started ??= Date.now();
    const healthy = Date.now() - started >= options.healthyAfterMs;
    if (!healthy) {
      if (path === healthPath) {
        res.writeHead(503, { 'Content-Type': 'text/plain' }).end('database unavailable');
      } else if (path.startsWith('/api/')) {
        res
          .writeHead(500, { 'Content-Type': 'text/html' })
          .end('<h1>Server Error (500)</h1> OperationalError: could not connect to server');
      } else {
        // The ALB's own page when no target is healthy.
        res
          .writeHead(502, { 'Content-Type': 'text/html' })
          .end(
            '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>'
          );
      }
      return;
    }
    if (path === healthPath) res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    else if (path === '/api/products/')
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(CATALOG);
    else if (path === '/') res.writeHead(200, { 'Content-Type': 'text/html' }).end(STOREFRONT);
    else res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })
  };
}
