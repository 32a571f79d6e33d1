import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { dockerDir, repoRoot } from './nginx.js';

export interface StorefrontBundle {
  root: string;
  /** What it is, for the test log: the real build or the fixture. */
  origin: string;
}

/**
 * The storefront bundle nginx serves: app/frontend built with Vite into `outDir` (what the
 * image's build stage produces; type-checking is the storefront suite's job), or, where
 * app/frontend is not installed, a small fixture with the same shape.
 */
export function buildStorefront(outDir: string): StorefrontBundle {
  const frontend = path.join(repoRoot, 'app/frontend');
  const vite = path.join(frontend, 'node_modules/.bin/vite');
  if (!existsSync(path.join(frontend, 'index.html')) || !existsSync(vite)) {
    return {
      root: path.join(dockerDir, '__tests__/fixtures/storefront-dist'),
      origin: 'fixture bundle (app/frontend is not installed)'
    };
  }
  const result = spawnSync(
    vite,
    ['build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'error'],
    {
      cwd: frontend,
      encoding: 'utf8',
      timeout: 240_000
    }
  );
  if (result.status !== 0) {
    throw new Error(
      `vite build of app/frontend failed (${result.status}):\n${result.stdout}${result.stderr}`
    );
  }
  return { root: outDir, origin: 'app/frontend built with vite' };
}
