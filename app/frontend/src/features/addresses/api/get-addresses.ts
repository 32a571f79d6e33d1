import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Address } from '@/types/api';

export const addressesQueryKey = ['addresses'] as const;

export async function getAddresses(): Promise<Address[]> {
  const { data } = await api.get<Address[] | { results: Address[] }>('/account/addresses/');
  return Array.isArray(data) ? data : data.results;
}

export const getAddressesQueryOptions = () =>
  queryOptions({ queryKey: addressesQueryKey, queryFn: getAddresses });

export function useAddresses() {
  return useQuery(getAddressesQueryOptions());
}
