import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { SavedCard } from '@/types/api';

export async function getSavedCards(): Promise<SavedCard[]> {
  const { data } = await api.get<SavedCard[] | { results: SavedCard[] }>('/payments/cards/');
  return Array.isArray(data) ? data : data.results;
}

export const getSavedCardsQueryOptions = () =>
  queryOptions({ queryKey: ['cards'], queryFn: getSavedCards });

export function useSavedCards() {
  return useQuery(getSavedCardsQueryOptions());
}
