import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { FraudDistribution, FraudRange } from '../types';

/** Staff: the scores of a date range as histogram bins (counted by the database). */
export async function getFraudDistribution(range: FraudRange): Promise<FraudDistribution> {
  const { data } = await api.get<FraudDistribution>('/fraud/distribution/', {
    params: { ...range, bins: 30 }
  });
  return data;
}

export const getFraudDistributionQueryOptions = (range: FraudRange) =>
  queryOptions({
    queryKey: ['fraud', 'distribution', range],
    queryFn: () => getFraudDistribution(range)
  });

export function useFraudDistribution(range: FraudRange) {
  return useQuery(getFraudDistributionQueryOptions(range));
}
