import { useMutation } from '@tanstack/react-query';
import { z } from 'zod';
import { api } from '@/lib/api-client';
import type { User } from '@/types/api';

export const registerInputSchema = z.object({
  email: z.email('Enter a valid email address.'),
  password: z.string().min(8, 'Use at least 8 characters.'),
  first_name: z.string().max(150).optional(),
  last_name: z.string().max(150).optional()
});

export type RegisterInput = z.infer<typeof registerInputSchema>;

export async function register(input: RegisterInput): Promise<User> {
  const { data } = await api.post<User>('/auth/register/', input);
  return data;
}

export function useRegister() {
  return useMutation({ mutationFn: register });
}
