import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Product } from '@/types/api';
import type { ProductInput } from './product-input';

export async function createProduct(input: ProductInput): Promise<Product> {
  const { data } = await api.post<Product>('/products/', input);
  return data;
}

export function useCreateProduct() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createProduct,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['products'] })
  });
}
