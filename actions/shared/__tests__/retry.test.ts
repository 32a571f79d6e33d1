import { describe, expect, it } from '@jest/globals';
import { retryWithBackoff } from '../src/retry.js';

describe('retryWithBackoff', () => {
  it('retries retryable errors until success, waiting with jittered growing delays', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await retryWithBackoff(
      async () => {
        calls++;
        if (calls < 4) throw new Error('Throttling');
        return 'ok';
      },
      {
        deadlineMs: 60_000,
        baseDelayMs: 100,
        isRetryable: () => true,
        sleep: async (ms) => void delays.push(ms),
        random: () => 0.5
      }
    );
    expect(result).toBe('ok');
    expect(calls).toBe(4);
    expect(delays).toEqual([50, 100, 200]);
  });

  it('throws a non-retryable error at once', async () => {
    let calls = 0;
    await expect(
      retryWithBackoff(
        async () => {
          calls++;
          throw new Error('AccessDenied');
        },
        { deadlineMs: 60_000, isRetryable: () => false, sleep: async () => undefined }
      )
    ).rejects.toThrow('AccessDenied');
    expect(calls).toBe(1);
  });

  it('gives up with the last error when the deadline would pass', async () => {
    let clock = 0;
    let calls = 0;
    await expect(
      retryWithBackoff(
        async () => {
          calls++;
          throw new Error(`timeout ${calls}`);
        },
        {
          deadlineMs: 1_000,
          baseDelayMs: 400,
          isRetryable: () => true,
          random: () => 1,
          now: () => clock,
          sleep: async (ms) => void (clock += ms)
        }
      )
    ).rejects.toThrow('timeout 2');
  });
});
