import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Product } from '@/types/api';
import type { ProductInput } from './product-input';

export async function updateProduct({
  id,
  input
}: {
  id: number;
  input: Partial<ProductInput>;
}): Promise<Product> {
  const { data } = await api.patch<Product>(`/products/${id}/`, input);
  return data;
}

export function useUpdateProduct() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateProduct,
    onSuccess: (product) => {
      queryClient.setQueryData(['products', 'detail', product.id], product);
      return queryClient.invalidateQueries({ queryKey: ['products'] });
    }
  });
}
