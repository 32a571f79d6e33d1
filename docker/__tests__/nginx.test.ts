import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { backendAvailable, STAFF_EMAIL, STAFF_PASSWORD, startBackend } from './support/backend.js';
import type { RunningBackend } from './support/backend.js';
import { nginxTest, startNginx, writeNginxConfig } from './support/nginx.js';
import type { NginxSetup } from './support/nginx.js';
import { freePort, type RunningProcess, waitFor } from '../../tests/kit/processes.js';
import { buildStorefront } from './support/storefront.js';

/** A raw HTTP exchange (fetch would hide Host and transparently gunzip). */
interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

function http(
  port: number,
  urlPath: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    /** The client's address (any 127.x works on Linux): who nginx sees as the peer. */
    localAddress?: string;
  } = {}
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        method: options.method ?? 'GET',
        headers: options.headers,
        localAddress: options.localAddress,
        timeout: 15_000
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            text: body.toString('utf8')
          });
        });
      }
    );
    req.on('timeout', () => req.destroy(new Error(`timeout on ${urlPath}`)));
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

const json = (reply: Reply): Record<string, unknown> =>
  JSON.parse(reply.text) as Record<string, unknown>;

/** The processes whose parent is `pid` (gunicorn's workers of its master). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        // Field 4 of stat, after the command name in parentheses (which may hold spaces).
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

/**
 * Connected sockets on the Unix socket at `socketPath` (accepted connections carry the listening
 * socket's path in /proc/net/unix; state 03 is connected, 01 the listener itself).
 */
function connectedTo(socketPath: string): number {
  return readFileSync('/proc/net/unix', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[7] === socketPath && fields[5] === '03').length;
}

const hasBackend = backendAvailable();
const SHOP_HOST = 'shop.example.com';

let work: string;
let backend: RunningBackend | undefined;
let nginx: RunningProcess;
let port: number;
let indexHtml: string;
let bundleRoot: string;
let assetPaths: string[];

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'storefront-nginx-'));
  // nginx's workers run as "nobody" when the tests run as root: they must be able to read.
  chmodSync(work, 0o755);
  const bundle = buildStorefront(path.join(work, 'dist'));
  console.log(`storefront bundle: ${bundle.origin}`);
  bundleRoot = bundle.root;
  indexHtml = readFileSync(path.join(bundle.root, 'index.html'), 'utf8');
  assetPaths = [...indexHtml.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map(
    (m) => m[1] as string
  );

  if (hasBackend) {
    backend = await startBackend(path.join(work, 'backend'), `${SHOP_HOST},localhost,127.0.0.1`);
  } else {
    console.log('app/backend or .venv is missing: proxy tests run against a closed port');
  }
  port = await freePort();
  const setup: NginxSetup = {
    prefix: path.join(work, 'nginx'),
    port,
    root: bundle.root,
    // As deployed: gunicorn's Unix socket (compose.yml). Without a backend, a port nobody holds.
    backend: backend ? `unix:${backend.socket}` : `127.0.0.1:${await freePort()}`
  };
  const config = writeNginxConfig(setup);
  const tested = nginxTest(config, setup.prefix);
  if (tested.status !== 0) throw new Error(`nginx -t failed:\n${tested.output}`);
  nginx = await startNginx(config, setup);
}, 480_000);

afterAll(async () => {
  await nginx?.stop();
  await backend?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the storefront served by nginx', () => {
  test('the rendered configuration substitutes only the image variables (nginx -t passed; no $HOSTNAME/$HOME leaks)', () => {
    const rendered = readFileSync(path.join(work, 'nginx/conf.d/default.conf'), 'utf8');
    expect(rendered).not.toContain('must-not-appear');
    expect(rendered).toContain(`listen ${port} default_server;`);
    expect(rendered).toContain('$host');
    expect(rendered).not.toMatch(/\$\{[A-Z_]+\}/);
  });

  test('GET / serves index.html with no-cache and the security headers', async () => {
    const reply = await http(port, '/');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toContain('text/html');
    expect(reply.text).toBe(indexHtml);
    expect(reply.headers['cache-control']).toBe('no-cache');
    const csp = String(reply.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self' https://js.stripe.com");
    expect(csp).toContain('frame-src https://js.stripe.com');
    expect(csp).toContain("connect-src 'self' https://api.stripe.com");
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(reply.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(reply.headers['x-frame-options']).toBe('DENY');
    expect(reply.headers['server']).toBe('nginx');
    expect(reply.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
  });

  test('a storefront route (SPA fallback) gets index.html, not a 404', async () => {
    for (const route of ['/products/42', '/account/orders', '/checkout?step=2']) {
      const reply = await http(port, route);
      expect(reply.status).toBe(200);
      expect(reply.text).toBe(indexHtml);
      expect(reply.headers['cache-control']).toBe('no-cache');
    }
  });

  test('hashed assets are cached for a year as immutable, and compressed with gzip', async () => {
    expect(assetPaths.length).toBeGreaterThan(0);
    for (const asset of assetPaths) {
      const reply = await http(port, asset, { headers: { 'Accept-Encoding': 'gzip' } });
      expect(reply.status).toBe(200);
      expect(reply.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(reply.headers['x-content-type-options']).toBe('nosniff');
      if (asset.endsWith('.js') || asset.endsWith('.css')) {
        expect(reply.headers['content-encoding']).toBe('gzip');
        expect(reply.headers['vary']).toContain('Accept-Encoding');
      }
    }
  });

  test('a missing asset is a 404, never index.html served as JavaScript', async () => {
    const reply = await http(port, '/assets/index-doesnotexist.js');
    expect(reply.status).toBe(404);
    expect(reply.text).not.toBe(indexHtml);
  });

  test('/healthz is answered by nginx itself, uncached', async () => {
    const reply = await http(port, '/healthz');
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text)).toEqual({ status: 'ok' });
    expect(reply.headers['cache-control']).toBe('no-store');
  });

  test('/metrics is not served through the proxy (404), whatever the suffix', async () => {
    for (const p of ['/metrics', '/metrics/', '/metrics?x=1', '/metricsfoo']) {
      expect((await http(port, p)).status).toBe(404);
    }
  });

  test('a request body over 10 MB is refused by nginx with 413', async () => {
    const reply = await http(port, '/api/auth/token/', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: Buffer.alloc(11 * 1024 * 1024, 0x20)
    });
    expect(reply.status).toBe(413);
  });

  test('an incoming X-Request-ID that is a sane token is kept; a hostile one is replaced', async () => {
    const kept = await http(port, '/', { headers: { 'X-Request-ID': 'alb-trace.123_ABC' } });
    expect(kept.headers['x-request-id']).toBe('alb-trace.123_ABC');
    const replaced = await http(port, '/', { headers: { 'X-Request-ID': 'bad id"; drop' } });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
  });

  test('the access log is one JSON object per request, carrying the request id', async () => {
    await http(port, '/products/7', { headers: { 'X-Request-ID': 'log-line-check-7' } });
    // nginx writes the line after the response; give it a moment.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const line = nginx
      .output()
      .split('\n')
      .find((l) => l.includes('log-line-check-7'));
    expect(line).toBeDefined();
    expect(JSON.parse(line as string)).toMatchObject({
      request_id: 'log-line-check-7',
      method: 'GET',
      uri: '/products/7',
      status: 200
    });
  });
});

const describeProxy = hasBackend ? describe : describe.skip;

describeProxy('the proxy to the real backend (gunicorn, production settings, SQLite)', () => {
  test('/metrics is served by the backend itself on its own port (so the 404 through nginx is nginx blocking it)', async () => {
    const reply = await http(backend!.port, '/metrics');
    expect(reply.status).toBe(200);
    expect(reply.text).toContain('django_http_requests');
  });

  test('/api/ reaches the backend: the seeded catalog, gzip-compressed JSON, no storefront CSP', async () => {
    const reply = await http(port, '/api/products/?page_size=24', {
      headers: { Host: SHOP_HOST, 'Accept-Encoding': 'gzip' }
    });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toContain('application/json');
    expect(reply.headers['content-encoding']).toBe('gzip');
    expect(reply.headers['content-security-policy']).toBeUndefined();
    expect(reply.headers['cache-control']).not.toBe('no-cache');
    const plain = await http(port, '/api/products/', { headers: { Host: SHOP_HOST } });
    expect(Number(json(plain).count)).toBeGreaterThan(0);
  });

  test('Host and X-Forwarded-Proto reach Django: its absolute URLs use the buyer’s https origin', async () => {
    const reply = await http(port, '/api/products/?page_size=1', {
      headers: { Host: SHOP_HOST, 'X-Forwarded-Proto': 'https' }
    });
    expect(reply.status).toBe(200);
    expect(String(json(reply).next)).toMatch(new RegExp(`^https://${SHOP_HOST}/api/products/\\?`));
  });

  test('a forged X-Forwarded-Proto from any peer but the load balancer’s side is replaced by the connection’s scheme', async () => {
    // 127.0.0.2 stands for anyone who is not the load balancer (which connects from the VPC's
    // private addresses; 127.0.0.1 stands in for it above). Django must not take this for HTTPS:
    // with DJANGO_HTTPS it would skip the redirect and treat the request as secure.
    const forged = await http(port, '/api/products/?page_size=1', {
      headers: { Host: SHOP_HOST, 'X-Forwarded-Proto': 'https' },
      localAddress: '127.0.0.2'
    });
    expect(forged.status).toBe(200);
    expect(String(json(forged).next)).toMatch(new RegExp(`^http://${SHOP_HOST}/api/products/\\?`));
    // Only "http" or "https" is ever passed on, even from the load balancer's side.
    const odd = await http(port, '/api/products/?page_size=1', {
      headers: { Host: SHOP_HOST, 'X-Forwarded-Proto': 'https, http' }
    });
    expect(String(json(odd).next)).toMatch(new RegExp(`^http://${SHOP_HOST}/`));
  });

  test('X-Request-ID is passed to the backend and comes back once', async () => {
    const reply = await http(port, '/api/config/', {
      headers: { Host: SHOP_HOST, 'X-Request-ID': 'trace-proxy-0001' }
    });
    expect(reply.status).toBe(200);
    expect(reply.headers['x-request-id']).toBe('trace-proxy-0001');
    expect(backend!.output()).toContain('trace-proxy-0001');
  });

  test('nginx keeps a pool of open connections on gunicorn’s socket instead of one per request', async () => {
    for (let i = 0; i < 20; i += 1) {
      expect((await http(port, '/api/categories/', { headers: { Host: SHOP_HOST } })).status).toBe(
        200
      );
    }
    // Connections accepted on the socket, still open: with one connection per request every one
    // would be closed by now; with the pool, nginx holds a few (one per nginx worker at most here).
    const open = connectedTo(backend!.socket);
    expect(open).toBeGreaterThanOrEqual(1);
    expect(open).toBeLessThanOrEqual(4);
  });

  test('/readyz is proxied to the backend, even with the health checker’s bare-IP Host', async () => {
    const reply = await http(port, '/readyz', { headers: { Host: '10.0.1.23:3000' } });
    expect(reply.status).toBe(200);
    expect(json(reply).status).toBe('ready');
  });

  test('/static/ and /admin/ are the backend’s (admin CSS through whitenoise, the admin login page)', async () => {
    const css = await http(port, '/static/admin/css/base.css', { headers: { Host: SHOP_HOST } });
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toContain('text/css');
    const admin = await http(port, '/admin/login/', { headers: { Host: SHOP_HOST } });
    expect(admin.status).toBe(200);
    expect(admin.text).toContain('csrfmiddlewaretoken');
    expect(admin.headers['content-security-policy']).toBeUndefined();
  });

  test('X-Forwarded-For: the buyer’s address reaches the payments record; a forged left-most hop does not', async () => {
    const headers = {
      Host: SHOP_HOST,
      'Content-Type': 'application/json',
      'X-Forwarded-Proto': 'https',
      // As the load balancer sends it: whatever the client claimed, then the address it saw.
      'X-Forwarded-For': '6.6.6.6, 203.0.113.7'
    };
    const email = `buyer-${Date.now()}@example.com`;
    const password = 'correct-horse-battery-staple-42';
    const register = await http(port, '/api/auth/register/', {
      method: 'POST',
      headers,
      body: JSON.stringify({ email, password, first_name: 'Ada', last_name: 'Lovelace' })
    });
    expect(register.status).toBe(201);
    const token = await http(port, '/api/auth/token/', {
      method: 'POST',
      headers,
      body: JSON.stringify({ email, password })
    });
    expect(token.status).toBe(200);
    const access = String(json(token).access);
    const products = json(
      await http(port, '/api/products/?page_size=48', { headers: { Host: SHOP_HOST } })
    );
    const product = (products.results as { id: number; in_stock: boolean }[]).find(
      (p) => p.in_stock
    );
    expect(product).toBeDefined();
    const checkout = (number: string) =>
      http(port, '/api/orders/', {
        method: 'POST',
        headers: { ...headers, Authorization: `Bearer ${access}` },
        body: JSON.stringify({
          items: [{ product_id: product!.id, quantity: 1 }],
          billing_address: {
            full_name: 'Ada Lovelace',
            line1: '12 St James Square',
            city: 'London',
            state: 'LND',
            postal_code: 'SW1Y 4JH',
            country: 'GB'
          },
          payment: {
            card: { number, exp_month: 12, exp_year: 2035, cvc: '123', name: 'Ada Lovelace' }
          }
        })
      });
    const paid = await checkout('4242424242424242');
    expect(paid.status).toBe(201);
    const declined = await checkout('4000000000000002');
    expect(declined.status).toBe(402);
    expect(json(declined).message).toBe('Your card was declined.');

    const rows = spawnSync(
      'sqlite3',
      [backend!.database, 'SELECT status, client_ip FROM payments_transaction ORDER BY id'],
      { encoding: 'utf8' }
    );
    expect(rows.status).toBe(0);
    expect(rows.stdout.trim().split('\n')).toEqual([
      'succeeded|203.0.113.7',
      'declined|203.0.113.7'
    ]);
  });
});

describe('catalog reads through nginx are never stale after a write', () => {
  const priceOf = (reply: Reply) => String(json(reply).price);
  const stockOf = (reply: Reply) => Number(json(reply).stock);
  const anonymous = (url: string) => http(port, url, { headers: { Host: SHOP_HOST } });

  async function staffToken(): Promise<string> {
    const login = await http(port, '/api/auth/token/', {
      method: 'POST',
      headers: { Host: SHOP_HOST, 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: STAFF_EMAIL, password: STAFF_PASSWORD })
    });
    expect(login.status).toBe(200);
    return String(json(login).access);
  }

  test('a price and a stock written through nginx are what the very next anonymous read through nginx shows, while the same URLs are read all along', async () => {
    if (!hasBackend) return;
    const token = await staffToken();
    const first = json(await anonymous('/api/products/?page_size=1'));
    const product = (first.results as Array<{ id: number; category: { slug: string } }>)[0]!;
    const detail = `/api/products/${product.id}/`;
    // The product's category fits on one page: the list shows the product too.
    const list = `/api/products/?category=${product.category.slug}&page_size=48`;
    const inList = (reply: Reply) =>
      (json(reply).results as Array<{ id: number; price: string; stock: number }>).find(
        (p) => p.id === product.id
      )!;

    // Anonymous buyers keep reading both URLs the whole time: anything in front of the backend
    // that keeps an answer for a while (the one-second micro-cache this replaced) holds them.
    let reading = true;
    const readers = [detail, list, detail].map(async (url) => {
      while (reading) expect((await anonymous(url)).status).toBe(200);
    });
    try {
      for (let i = 1; i <= 6; i++) {
        const price = `${40 + i}.${10 + i}`;
        const stock = 200 + i;
        // Read just before the write, so a cached copy of the old values is as fresh as can be.
        expect(priceOf(await anonymous(detail))).not.toBe(price);
        const patched = await http(port, detail, {
          method: 'PATCH',
          headers: {
            Host: SHOP_HOST,
            'Content-Type': 'application/json',
            Authorization: `Bearer ${token}`
          },
          body: JSON.stringify({ price, stock })
        });
        expect(patched.status).toBe(200);
        const after = await anonymous(detail);
        expect([priceOf(after), stockOf(after)]).toEqual([price, stock]);
        const listed = inList(await anonymous(list));
        expect([listed.price, listed.stock]).toEqual([price, stock]);
      }
    } finally {
      reading = false;
      await Promise.all(readers);
    }
  }, 60_000);

  test('an anonymous catalog read is still revalidated cheaply: its ETag gets 304 through nginx', async () => {
    if (!hasBackend) return;
    const first = await anonymous('/api/categories/');
    expect(first.status).toBe(200);
    const etag = String(first.headers.etag);
    const again = await http(port, '/api/categories/', {
      headers: { Host: SHOP_HOST, 'If-None-Match': etag }
    });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });
});

describe('nginx without its backend', () => {
  test('starts and serves the storefront while the backend is down (no socket file yet); /api/ is a 502', async () => {
    const downPort = await freePort();
    const setup: NginxSetup = {
      prefix: path.join(work, 'nginx-down'),
      port: downPort,
      root: bundleRoot,
      // As deployed, before the backend has made its socket.
      backend: `unix:${path.join(work, 'not-yet', 'gunicorn.sock')}`
    };
    const config = writeNginxConfig(setup);
    const down = await startNginx(config, setup);
    try {
      expect((await http(downPort, '/api/products/')).status).toBe(502);
      expect((await http(downPort, '/healthz')).status).toBe(200);
    } finally {
      await down.stop();
    }
  });
});

describe('nginx follows a backend that is recreated', () => {
  test('a backend killed outright leaves nginx answering 502 for /api/ and serving the storefront; the next backend on the same socket is used without restarting nginx', async () => {
    if (!backend) return; // no backend here: the proxy tests above said so
    const products = () => http(port, '/api/products/', { headers: { Host: SHOP_HOST } });
    expect((await products()).status).toBe(200);
    // A crash, not a shutdown: the container's processes all die at once (gunicorn's master is
    // its PID 1), the socket file stays behind, and nginx's pooled connections break.
    for (const pid of [...childrenOf(backend.child.pid!), backend.child.pid!]) {
      process.kill(pid, 'SIGKILL');
    }
    await backend.stop();
    await waitFor(
      'nginx to answer 502 without its backend',
      async () => ((await products()).status === 502 ? true : undefined),
      { timeoutMs: 15_000 }
    );
    expect(existsSync(backend.socket)).toBe(true); // stale: gunicorn did not get to remove it
    expect((await http(port, '/healthz')).status).toBe(200);
    expect((await http(port, '/')).status).toBe(200);
    // The container restarted: same volume, same socket path (gunicorn replaces the stale file).
    const socket = backend.socket;
    backend = await startBackend(path.dirname(socket), `${SHOP_HOST},localhost,127.0.0.1`);
    expect(backend.socket).toBe(socket);
    const again = await products();
    expect(again.status).toBe(200);
    expect((json(again).results as unknown[]).length).toBeGreaterThan(0);
  }, 300_000);
});
