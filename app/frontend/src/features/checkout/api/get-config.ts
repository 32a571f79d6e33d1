import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { ShopConfig } from '@/types/api';

export async function getConfig(): Promise<ShopConfig> {
  const { data } = await api.get<ShopConfig>('/config/');
  return data;
}

export const getConfigQueryOptions = () =>
  queryOptions({ queryKey: ['config'], queryFn: getConfig, staleTime: Infinity });

/** Public shop settings: whether Stripe is configured (its publishable key) and the currency. */
export function useShopConfig() {
  return useQuery(getConfigQueryOptions());
}
