// How the tests, the dashboard previews and the storefront benchmark launch Debian's Chromium
// through playwright-core: headless, no sandbox or GPU, nothing reaching out to the network.
// Plain JavaScript (typed by chromium.d.mts) so that scripts run by Node without a TypeScript
// loader (scripts/bench/) and the storefront's own Vitest project can import it too.

/** Debian's Chromium, or the one CHROMIUM_PATH names. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Launch flags: no GPU, sandbox, QUIC, first-run UI, background networking, updates or sync. */
export const CHROMIUM_ARGS = Object.freeze([
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
]);
