import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';

/** DELETE archives: the product leaves the catalog but stays on past orders. */
export async function archiveProduct(id: number): Promise<void> {
  await api.delete(`/products/${id}/`);
}

export function useArchiveProduct() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: archiveProduct,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['products'] })
  });
}
