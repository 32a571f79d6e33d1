import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Category } from '@/types/api';

export async function getCategories(): Promise<Category[]> {
  const { data } = await api.get<Category[] | { results: Category[] }>('/categories/');
  // Tolerate a paginated answer too, so a backend pagination change does not blank the filter.
  return Array.isArray(data) ? data : data.results;
}

export const getCategoriesQueryOptions = () =>
  queryOptions({ queryKey: ['categories'], queryFn: getCategories, staleTime: 10 * 60_000 });

export function useCategories() {
  return useQuery(getCategoriesQueryOptions());
}
