import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Address } from '@/types/api';
import type { AddressInputValues } from './address-input';
import { addressesQueryKey } from './get-addresses';

export async function createAddress(input: AddressInputValues): Promise<Address> {
  const { data } = await api.post<Address>('/account/addresses/', input);
  return data;
}

export function useCreateAddress() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createAddress,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: addressesQueryKey })
  });
}
