// Debian's Chromium driven by playwright-core, with the repository's one list of launch flags
// (tests/kit/chromium.mjs: no GPU, no background networking). Playwright refuses an explicit
// --user-data-dir on launch(); it gives every launch its own fresh temporary profile instead,
// which is what we want.
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../../tests/kit/chromium.mjs';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS]
  });
}
