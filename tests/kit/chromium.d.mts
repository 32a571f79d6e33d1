/** Debian's Chromium, or the one CHROMIUM_PATH names. */
export declare const CHROMIUM_PATH: string;
/** Launch flags: no GPU, sandbox, QUIC, first-run UI, background networking, updates or sync. */
export declare const CHROMIUM_ARGS: readonly string[];
