export interface RetryOptions {
  /** Give up once this much time has passed since the first attempt. */
  deadlineMs: number;
  /** First delay; each retry doubles it up to `maxDelayMs`, with full jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Whether an error is worth retrying (throttling, timeouts); others are thrown at once. */
  isRetryable: (error: unknown) => boolean;
  /** Called before each wait, e.g. to log the attempt. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Retry with exponential backoff and full jitter (AWS's recommendation for avoiding
 * synchronized retries) under an overall deadline; the last error is rethrown.
 */
export async function retryWithBackoff<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions
): Promise<T> {
  const now = options.now ?? Date.now;
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;
  const base = options.baseDelayMs ?? 500;
  const max = options.maxDelayMs ?? 10_000;
  const start = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!options.isRetryable(error)) throw error;
      const delay = Math.floor(random() * Math.min(max, base * 2 ** (attempt - 1)));
      if (now() - start + delay >= options.deadlineMs) throw error;
      options.onRetry?.(error, attempt, delay);
      await wait(delay);
    }
  }
}
