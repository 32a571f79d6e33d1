import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Page, Product } from '@/types/api';

export type ProductFilters = {
  search?: string;
  category?: string;
  ordering?: string;
  page?: number;
  pageSize?: number;
};

export async function getProducts({
  search,
  category,
  ordering,
  page = 1,
  pageSize = 12
}: ProductFilters): Promise<Page<Product>> {
  const { data } = await api.get<Page<Product>>('/products/', {
    params: {
      search: search || undefined,
      category: category || undefined,
      ordering: ordering || undefined,
      page,
      page_size: pageSize
    }
  });
  return data;
}

export const getProductsQueryOptions = (filters: ProductFilters) =>
  queryOptions({
    queryKey: ['products', filters],
    queryFn: () => getProducts(filters),
    // Keep the current page on screen while the next one loads, instead of a blank grid.
    placeholderData: keepPreviousData
  });

export function useProducts(filters: ProductFilters) {
  return useQuery(getProductsQueryOptions(filters));
}
