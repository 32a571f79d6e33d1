import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Order, Page } from '@/types/api';

/** The person's orders, newest first; staff may ask for everyone's with `all`. */
export async function getOrders({
  page = 1,
  all = false
}: {
  page?: number;
  all?: boolean;
}): Promise<Page<Order>> {
  const { data } = await api.get<Page<Order>>('/orders/', {
    params: { page, all: all ? 'true' : undefined }
  });
  return data;
}

export const getOrdersQueryOptions = (params: { page?: number; all?: boolean }) =>
  queryOptions({
    queryKey: ['orders', 'list', params],
    queryFn: () => getOrders(params),
    placeholderData: keepPreviousData
  });

export function useOrders(params: { page?: number; all?: boolean }) {
  return useQuery(getOrdersQueryOptions(params));
}
