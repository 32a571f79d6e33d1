import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { FraudRange, FraudSummary } from '../types';

/** Staff: totals and score statistics of a date range. */
export async function getFraudSummary(range: FraudRange): Promise<FraudSummary> {
  const { data } = await api.get<FraudSummary>('/fraud/summary/', { params: range });
  return data;
}

export const getFraudSummaryQueryOptions = (range: FraudRange) =>
  queryOptions({ queryKey: ['fraud', 'summary', range], queryFn: () => getFraudSummary(range) });

export function useFraudSummary(range: FraudRange) {
  return useQuery(getFraudSummaryQueryOptions(range));
}
