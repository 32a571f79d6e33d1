import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';

export type ReviewedOrder = { id: number; status: string; refunded?: boolean };

/** Staff: release a held order for delivery (409 unless it is in review). */
export async function approveOrder(orderId: number): Promise<ReviewedOrder> {
  const { data } = await api.post<ReviewedOrder>(`/fraud/orders/${orderId}/approve/`);
  return data;
}

export function useApproveOrder() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: approveOrder,
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: ['fraud'] }),
        queryClient.invalidateQueries({ queryKey: ['orders'] })
      ])
  });
}
