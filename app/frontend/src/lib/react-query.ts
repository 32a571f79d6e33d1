import { QueryClient, type DefaultOptions } from '@tanstack/react-query';
import { ApiError } from '@/lib/api-error';

/** Client errors will not heal by retrying; a dropped connection or a 5xx might, once. */
function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status >= 400 && error.status < 500) return false;
  return failureCount < 1;
}

export const queryConfig = {
  queries: {
    refetchOnWindowFocus: false,
    staleTime: 30_000,
    retry: shouldRetry
  },
  mutations: { retry: false }
} satisfies DefaultOptions;

/** A fresh client (the app has one; each test makes its own so caches never leak between them). */
export function createQueryClient(): QueryClient {
  return new QueryClient({ defaultOptions: queryConfig });
}
