#!/usr/bin/env node
// The storefront's production bundle size and the catalog page's first load in headless
// Chromium, against the local stack (the backend under gunicorn on SQLite with the demo
// catalog, the built storefront served by app/frontend/scripts/serve.mjs with a proxy to it).
//
//   node scripts/bench/frontend-bundle-and-load.mjs [--runs 5] [--no-build]
//
// The slow-link cases use at most 3 runs: the dev server needs ~18 s per visit there.
//
// Baselines measured in the same run:
//   - the same page served by the Vite dev server (unbundled modules, as the original
//     project's `npm start` served React in production);
//   - a warm cache (second visit) against the cold first visit;
//   - the cold visit again over an emulated slow mobile link (1.6 Mbit/s, 150 ms RTT), where
//     bundle size shows.
// Prints a table of medians and the ratios. Not a test: figures vary with the machine's load.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../tests/kit/chromium.mjs';
import { freePort } from '../../tests/kit/free-port.mjs';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const FRONTEND = join(ROOT, 'app/frontend');
const DIST = join(FRONTEND, 'dist');
const VENV_BIN = join(ROOT, '.venv/bin');

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    'no-build': { type: 'boolean', default: false }
  }
});
const RUNS = Number(values.runs);
if (!Number.isInteger(RUNS) || RUNS < 1 || RUNS > 50) {
  console.error(`--runs must be a whole number from 1 to 50, got "${values.runs}"`);
  process.exit(2);
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} kB`;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function waitFor(url, child, what) {
  for (let i = 0; i < 240; i += 1) {
    if (child.exitCode !== null) throw new Error(`${what} exited (code ${child.exitCode})`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not answer ${url}`);
}

// --- bundle size -----------------------------------------------------------------------------
function bundleSizes() {
  const html = readFileSync(join(DIST, 'index.html'), 'utf8');
  // What the first visit downloads: the entry script, its modulepreloads and the stylesheet.
  const initial = new Set(
    [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1])
  );
  const rows = { js: [0, 0], css: [0, 0], initialJs: [0, 0], initialCss: [0, 0] };
  let chunks = 0;
  for (const name of readdirSync(join(DIST, 'assets'))) {
    const kind = name.endsWith('.js') ? 'js' : name.endsWith('.css') ? 'css' : null;
    if (!kind) continue;
    const content = readFileSync(join(DIST, 'assets', name));
    const raw = statSync(join(DIST, 'assets', name)).size;
    const gz = gzipSync(content, { level: 6 }).length;
    rows[kind][0] += raw;
    rows[kind][1] += gz;
    if (kind === 'js') chunks += 1;
    if (initial.has(`assets/${name}`)) {
      const key = kind === 'js' ? 'initialJs' : 'initialCss';
      rows[key][0] += raw;
      rows[key][1] += gz;
    }
  }
  return { rows, chunks };
}

// --- the stack -------------------------------------------------------------------------------
async function startStack(cleanup) {
  const dir = mkdtempSync(join(tmpdir(), 'storefront-bench-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const env = {
    ...process.env,
    DJANGO_ENV: 'development',
    DJANGO_DEBUG: 'false',
    DATABASE_URL: `sqlite:///${join(dir, 'bench.sqlite3')}`,
    LOG_LEVEL: 'WARNING',
    GUNICORN_WORKERS: '2'
  };
  const manage = (...args) =>
    execFileSync(join(VENV_BIN, 'python'), ['manage.py', ...args], {
      cwd: join(ROOT, 'app/backend'),
      env,
      stdio: 'ignore'
    });
  manage('migrate', '--no-input', '-v', '0');
  manage('seed_demo_catalog');
  const backendPort = await freePort();
  const backend = spawn(
    join(VENV_BIN, 'gunicorn'),
    [
      '-c',
      join(ROOT, 'docker/backend/gunicorn.conf.py'),
      '--bind',
      `127.0.0.1:${backendPort}`,
      'config.wsgi'
    ],
    { cwd: join(ROOT, 'app/backend'), env, stdio: 'ignore' }
  );
  cleanup.push(() => backend.kill('SIGTERM'));
  const backendUrl = `http://127.0.0.1:${backendPort}`;
  await waitFor(`${backendUrl}/healthz`, backend, 'gunicorn');

  const { startServer } = await import(join(FRONTEND, 'scripts/serve.mjs'));
  const served = await startServer({ port: 0, backend: backendUrl, dist: DIST });
  cleanup.push(() => served.close());

  const devPort = await freePort();
  const dev = spawn(
    join(FRONTEND, 'node_modules/.bin/vite'),
    ['--port', String(devPort), '--strictPort', '--host', '127.0.0.1'],
    {
      cwd: FRONTEND,
      env: { ...process.env, BACKEND_URL: backendUrl },
      stdio: 'ignore'
    }
  );
  cleanup.push(() => dev.kill('SIGTERM'));
  await waitFor(`http://127.0.0.1:${devPort}/`, dev, 'the Vite dev server');
  return { prod: `http://127.0.0.1:${served.port}/`, dev: `http://127.0.0.1:${devPort}/` };
}

// --- first load ------------------------------------------------------------------------------
async function measure(context, url, throttle) {
  const page = await context.newPage();
  if (throttle) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 150,
      downloadThroughput: (1.6 * 1024 * 1024) / 8,
      uploadThroughput: (750 * 1024) / 8
    });
  }
  await page.goto(url, { waitUntil: 'load', timeout: 120_000 });
  await page.waitForSelector('[data-testid="product-card"]', { timeout: 120_000 });
  const cardsAt = await page.evaluate(() => performance.now());
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    const transferred = performance
      .getEntriesByType('resource')
      .concat(nav)
      .reduce((sum, entry) => sum + (entry.transferSize ?? 0), 0);
    return {
      dcl: nav.domContentLoadedEventEnd,
      load: nav.loadEventEnd,
      fcp: fcp ? fcp.startTime : NaN,
      transferred
    };
  });
  await page.close();
  return { ...timing, cards: cardsAt };
}

async function series(browser, url, { warm = false, throttle = false }) {
  const samples = [];
  const runs = throttle ? Math.min(RUNS, 3) : RUNS;
  for (let i = 0; i < runs; i += 1) {
    // A fresh context is an empty cache; "warm" visits once first and measures the second visit.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    if (warm) await measure(context, url, false);
    samples.push(await measure(context, url, throttle));
    await context.close();
  }
  const pick = (key) => median(samples.map((s) => s[key]));
  return {
    dcl: pick('dcl'),
    load: pick('load'),
    fcp: pick('fcp'),
    cards: pick('cards'),
    transferred: pick('transferred')
  };
}

const cleanup = [];
try {
  if (!values['no-build']) {
    console.log('building the storefront (vite build)…');
    execFileSync(join(FRONTEND, 'node_modules/.bin/vite'), ['build', '--logLevel', 'error'], {
      cwd: FRONTEND,
      stdio: 'inherit'
    });
  }
  const { rows, chunks } = bundleSizes();
  console.log('\nProduction bundle (app/frontend/dist/assets; gzip level 6)');
  console.log(`  ${'part'.padEnd(34)} ${'raw'.padStart(10)} ${'gzip'.padStart(10)}`);
  for (const [label, key] of [
    ['JS loaded by the first page', 'initialJs'],
    [`JS, all ${chunks} chunks (incl. lazy pages)`, 'js'],
    ['CSS', 'css']
  ]) {
    console.log(
      `  ${label.padEnd(34)} ${kb(rows[key][0]).padStart(10)} ${kb(rows[key][1]).padStart(10)}`
    );
  }

  console.log('\nstarting the stack (SQLite, gunicorn, serve.mjs, Vite dev server)…');
  const urls = await startStack(cleanup);
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS]
  });
  cleanup.push(() => browser.close());

  // One unmeasured visit each, so neither server pays its own first-request start-up cost.
  const warmup = await browser.newContext();
  await measure(warmup, urls.prod, false);
  await measure(warmup, urls.dev, false);
  await warmup.close();

  const results = [
    ['production build, cold cache', await series(browser, urls.prod, {})],
    ['production build, warm cache', await series(browser, urls.prod, { warm: true })],
    ['Vite dev server, cold cache (baseline)', await series(browser, urls.dev, {})],
    ['production, cold, slow mobile link', await series(browser, urls.prod, { throttle: true })],
    ['dev server, cold, slow mobile link', await series(browser, urls.dev, { throttle: true })]
  ];
  const ms = (x) => (Number.isFinite(x) ? `${x.toFixed(0)} ms` : 'n/a');
  console.log(
    `\nCatalog page first load, headless Chromium, median of ${RUNS} runs (slow link: ${Math.min(RUNS, 3)})`
  );
  console.log(
    `  ${'case'.padEnd(40)} ${'DOMContentLoaded'.padStart(16)} ${'load'.padStart(9)} ${'FCP'.padStart(9)} ${'cards shown'.padStart(12)} ${'transferred'.padStart(12)}`
  );
  for (const [label, r] of results) {
    console.log(
      `  ${label.padEnd(40)} ${ms(r.dcl).padStart(16)} ${ms(r.load).padStart(9)} ${ms(r.fcp).padStart(9)} ${ms(r.cards).padStart(12)} ${kb(r.transferred).padStart(12)}`
    );
  }
  const [prodCold, prodWarm, devCold, prodSlow, devSlow] = results.map(([, r]) => r);
  console.log('\nRatios (lower is better)');
  console.log(
    `  cards shown, production / dev server:              ${(prodCold.cards / devCold.cards).toFixed(2)}`
  );
  console.log(
    `  cards shown, warm / cold cache:                    ${(prodWarm.cards / prodCold.cards).toFixed(2)}`
  );
  console.log(
    `  cards shown on a slow link, production / dev:      ${(prodSlow.cards / devSlow.cards).toFixed(2)}`
  );
  console.log(
    `  bytes transferred, production / dev server:        ${(prodCold.transferred / devCold.transferred).toFixed(2)}`
  );
} finally {
  for (const step of cleanup.reverse()) await Promise.resolve(step()).catch(() => undefined);
}
