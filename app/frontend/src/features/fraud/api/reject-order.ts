import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { api } from '@/lib/api-client';
import type { ReviewedOrder } from './approve-order';

export const rejectOrderInputSchema = z.object({
  reason: z.string().max(500, 'At most 500 characters.')
});

export type RejectOrderInput = z.infer<typeof rejectOrderInputSchema>;

/** Staff: cancel a held order; the stock goes back and the charge is refunded (409 unless held). */
export async function rejectOrder({
  orderId,
  data
}: {
  orderId: number;
  data: RejectOrderInput;
}): Promise<ReviewedOrder> {
  const body = rejectOrderInputSchema.parse(data);
  const { data: order } = await api.post<ReviewedOrder>(`/fraud/orders/${orderId}/reject/`, body);
  return order;
}

export function useRejectOrder() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: rejectOrder,
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: ['fraud'] }),
        queryClient.invalidateQueries({ queryKey: ['orders'] })
      ])
  });
}
