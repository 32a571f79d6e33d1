import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { FraudFilters, FraudFlagPage } from '../types';

/** How often the page asks for flags newer than the newest it has (API.md says why polling). */
export const NEW_FLAGS_POLL_MS = 10_000;

/** Staff: flagged (or only held) attempts of a date range, newest first; `after` for polling. */
export async function getFraudFlags(
  filters: FraudFilters & { after?: number | undefined }
): Promise<FraudFlagPage> {
  const { data } = await api.get<FraudFlagPage>('/fraud/flags/', { params: filters });
  return data;
}

export const getFraudFlagsQueryOptions = (filters: FraudFilters) =>
  queryOptions({ queryKey: ['fraud', 'flags', filters], queryFn: () => getFraudFlags(filters) });

export function useFraudFlags(filters: FraudFilters) {
  return useQuery(getFraudFlagsQueryOptions(filters));
}

/**
 * Polls for flags newer than `after` (the list's latest_id). The answer is usually empty; when it
 * is not, the caller refreshes the page's figures. Not run until the list has loaded.
 */
export function useNewFraudFlags(filters: FraudFilters, after: number | undefined) {
  return useQuery({
    queryKey: ['fraud', 'new-flags', filters, after],
    queryFn: () => getFraudFlags({ ...filters, after }),
    enabled: after !== undefined,
    refetchInterval: NEW_FLAGS_POLL_MS,
    refetchIntervalInBackground: false,
    staleTime: 0
  });
}
