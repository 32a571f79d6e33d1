import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';

export async function deleteSavedCard(id: number): Promise<void> {
  await api.delete(`/payments/cards/${id}/`);
}

export function useDeleteSavedCard() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteSavedCard,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['cards'] })
  });
}
