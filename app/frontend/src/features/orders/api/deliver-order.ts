import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Order } from '@/types/api';

/** Staff: mark a paid order delivered (the API answers 409 unless it is paid). */
export async function deliverOrder(id: number): Promise<Order> {
  const { data } = await api.post<Order>(`/orders/${id}/deliver/`);
  return data;
}

export function useDeliverOrder() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deliverOrder,
    onSuccess: (order) => {
      queryClient.setQueryData(['orders', 'detail', order.id], order);
      return queryClient.invalidateQueries({ queryKey: ['orders', 'list'] });
    }
  });
}
