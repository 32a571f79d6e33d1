import { queryOptions, useQuery } from '@tanstack/react-query';
import { useSyncExternalStore } from 'react';
import { api } from '@/lib/api-client';
import { tokenStore } from '@/lib/token-store';
import type { User } from '@/types/api';

export const meQueryKey = ['me'] as const;

export async function getMe(): Promise<User> {
  const { data } = await api.get<User>('/account/me/');
  return data;
}

export const getMeQueryOptions = () =>
  queryOptions({ queryKey: meQueryKey, queryFn: getMe, staleTime: 5 * 60_000 });

/** True while a token pair is stored (it may still turn out to be expired). */
export function useHasTokens(): boolean {
  return useSyncExternalStore(tokenStore.subscribe, () => tokenStore.get() !== null);
}

/** The signed-in person, or null when nobody is signed in. */
export function useUser() {
  const hasTokens = useHasTokens();
  const query = useQuery({ ...getMeQueryOptions(), enabled: hasTokens });
  return {
    user: hasTokens ? (query.data ?? null) : null,
    isLoading: hasTokens && query.isPending,
    error: query.error
  };
}
