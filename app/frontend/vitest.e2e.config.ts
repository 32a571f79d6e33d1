import { defineConfig } from 'vitest/config';

// End-to-end tests: a real backend, the built storefront and Debian's Chromium, started by
// the tests themselves. One file at a time, with timeouts that allow for gunicorn's start.
export default defineConfig({
  test: {
    environment: 'node',
    include: ['e2e/**/*.e2e.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // The first catalog request warms gunicorn's workers; allow it on a loaded 2-core machine.
    expect: { poll: { timeout: 15_000, interval: 100 } }
  }
});
