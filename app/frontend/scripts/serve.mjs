#!/usr/bin/env node
// Serves the built storefront (dist/) and proxies the backend's paths to it — what nginx does
// in the image, in ~100 lines of Node with no dependencies, for `scripts/dev`, the end-to-end
// tests and the benchmark. Not a production server: the image uses nginx.
//
//   node scripts/serve.mjs [--port 3000] [--host 127.0.0.1] [--backend http://127.0.0.1:8000] [--dist dist]
//
// Prints "storefront listening on http://HOST:PORT" once it accepts connections.
import { createReadStream, statSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';

const PROXIED = ['/api/', '/admin', '/static/', '/media/', '/healthz', '/readyz'];
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2'
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt']);

/**
 * Starts the server; resolves with the bound port (pass port 0 for a free one).
 * @param {{port?: number, host?: string, backend: string, dist: string}} options
 * @returns {Promise<{port: number, close: () => Promise<void>}>}
 */
export function startServer({ port = 3000, host = '127.0.0.1', backend, dist }) {
  const root = resolve(dist);
  const target = new URL(backend);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (
      PROXIED.some(
        (prefix) => url.pathname === prefix.replace(/\/$/, '') || url.pathname.startsWith(prefix)
      )
    ) {
      proxy(req, res, target);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    serveFile(req, res, root, url.pathname);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolvePromise({
        port: typeof address === 'object' && address ? address.port : port,
        close: () => new Promise((done) => server.close(() => done()))
      });
    });
  });
}

function proxy(req, res, target) {
  const upstream = httpRequest(
    {
      hostname: target.hostname,
      port: target.port || 80,
      method: req.method,
      path: req.url,
      headers: {
        ...req.headers,
        host: req.headers.host ?? target.host,
        'x-forwarded-for': req.socket.remoteAddress ?? '',
        'x-forwarded-proto': 'http'
      }
    },
    (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
    }
  );
  upstream.on('error', () => {
    if (!res.headersSent) {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          message: 'The shop’s server is not answering. Please try again in a moment.',
          extra: {}
        })
      );
    } else res.destroy();
  });
  req.pipe(upstream);
}

function serveFile(req, res, root, pathname) {
  let file = normalize(join(root, decodeURIComponent(pathname)));
  if (!file.startsWith(root + sep) && file !== root) {
    res.writeHead(403).end();
    return;
  }
  let stat = tryStat(file);
  if (!stat || stat.isDirectory()) {
    // A missing hashed asset is a real 404; any other path is a client-side route.
    if (pathname.startsWith('/assets/')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    file = join(root, 'index.html');
    stat = tryStat(file);
    if (!stat) {
      res
        .writeHead(500, { 'content-type': 'text/plain' })
        .end('dist/index.html is missing: run npm run build first.');
      return;
    }
  }
  const ext = extname(file);
  const headers = {
    'content-type': TYPES[ext] ?? 'application/octet-stream',
    // Hashed file names never change content; index.html must be revalidated to pick up new ones.
    'cache-control': file.includes(`${sep}assets${sep}`)
      ? 'public, max-age=31536000, immutable'
      : 'no-cache',
    'x-content-type-options': 'nosniff',
    vary: 'Accept-Encoding'
  };
  const gzip = COMPRESSIBLE.has(ext) && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
  if (gzip) headers['content-encoding'] = 'gzip';
  else headers['content-length'] = stat.size;
  res.writeHead(200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(file);
  (gzip ? stream.pipe(createGzip()) : stream).pipe(res);
}

function tryStat(file) {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.PORT ?? '3000' },
      host: { type: 'string', default: '127.0.0.1' },
      backend: { type: 'string', default: process.env.BACKEND_URL ?? 'http://127.0.0.1:8000' },
      dist: { type: 'string', default: fileURLToPath(new URL('../dist', import.meta.url)) }
    }
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve: --port must be a number from 0 to 65535, got "${values.port}"`);
    process.exit(2);
  }
  try {
    new URL(values.backend);
  } catch {
    console.error(
      `serve: --backend must be a URL such as http://127.0.0.1:8000, got "${values.backend}"`
    );
    process.exit(2);
  }
  const { port: bound } = await startServer({
    port,
    host: values.host,
    backend: values.backend,
    dist: values.dist
  });
  console.log(`storefront listening on http://${values.host}:${bound} (backend ${values.backend})`);
}
