import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Address } from '@/types/api';
import type { AddressInputValues } from './address-input';
import { addressesQueryKey } from './get-addresses';

export async function updateAddress({
  id,
  input
}: {
  id: number;
  input: Partial<AddressInputValues>;
}): Promise<Address> {
  const { data } = await api.patch<Address>(`/account/addresses/${id}/`, input);
  return data;
}

export function useUpdateAddress() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateAddress,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: addressesQueryKey })
  });
}
