import { useMutation, useQueryClient } from '@tanstack/react-query';
import * as z from 'zod/mini';
import { api } from '@/lib/api-client';
import { tokenStore } from '@/lib/token-store';
import type { Tokens, User } from '@/types/api';
import { meQueryKey } from './get-me';

export const loginInputSchema = z.object({
  email: z.email('Enter a valid email address.'),
  password: z.string().check(z.minLength(1, 'Enter your password.'))
});

export type LoginInput = z.infer<typeof loginInputSchema>;

export async function login(input: LoginInput): Promise<User> {
  const { data } = await api.post<Tokens & { user: User }>('/auth/token/', input);
  tokenStore.set({ access: data.access, refresh: data.refresh });
  return data.user;
}

export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: login,
    onSuccess: (user) => queryClient.setQueryData(meQueryKey, user)
  });
}
