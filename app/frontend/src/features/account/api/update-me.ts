import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { api } from '@/lib/api-client';
import type { User } from '@/types/api';

export const profileInputSchema = z.object({
  first_name: z.string().trim().max(150, 'Use at most 150 characters.'),
  last_name: z.string().trim().max(150, 'Use at most 150 characters.')
});

export type ProfileInput = z.infer<typeof profileInputSchema>;

export async function updateMe(input: ProfileInput): Promise<User> {
  const { data } = await api.patch<User>('/account/me/', input);
  return data;
}

export function useUpdateMe() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateMe,
    onSuccess: (user) => queryClient.setQueryData(['me'], user)
  });
}
