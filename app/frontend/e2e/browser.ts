// Debian's Chromium driven by playwright-core, with the flags the machine notes list (no GPU,
// no background networking). Playwright refuses an explicit --user-data-dir on launch(); it
// gives every launch its own fresh temporary profile instead, which is what we want.
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync'
    ]
  });
}
