import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Order } from '@/types/api';

export async function getOrder(id: number): Promise<Order> {
  const { data } = await api.get<Order>(`/orders/${id}/`);
  return data;
}

export const getOrderQueryOptions = (id: number) =>
  queryOptions({ queryKey: ['orders', 'detail', id], queryFn: () => getOrder(id) });

export function useOrder(id: number) {
  return useQuery({ ...getOrderQueryOptions(id), enabled: Number.isInteger(id) && id > 0 });
}
