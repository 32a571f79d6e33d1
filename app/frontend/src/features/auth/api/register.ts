import { useMutation } from '@tanstack/react-query';
import * as z from 'zod/mini';
import { api } from '@/lib/api-client';
import type { User } from '@/types/api';

export const registerInputSchema = z.object({
  email: z.email('Enter a valid email address.'),
  password: z.string().check(z.minLength(8, 'Use at least 8 characters.')),
  first_name: z.optional(z.string().check(z.maxLength(150, 'Use at most 150 characters.'))),
  last_name: z.optional(z.string().check(z.maxLength(150, 'Use at most 150 characters.')))
});

export type RegisterInput = z.infer<typeof registerInputSchema>;

export async function register(input: RegisterInput): Promise<User> {
  const { data } = await api.post<User>('/auth/register/', input);
  return data;
}

export function useRegister() {
  return useMutation({ mutationFn: register });
}
