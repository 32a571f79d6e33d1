import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Product } from '@/types/api';

export async function getProduct(id: number): Promise<Product> {
  const { data } = await api.get<Product>(`/products/${id}/`);
  return data;
}

export const getProductQueryOptions = (id: number) =>
  queryOptions({ queryKey: ['products', 'detail', id], queryFn: () => getProduct(id) });

export function useProduct(id: number) {
  return useQuery({ ...getProductQueryOptions(id), enabled: Number.isInteger(id) && id > 0 });
}
