import { useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import { tokenStore } from '@/lib/token-store';

/** Revokes the refresh token on the server (API.md: POST /api/auth/logout/). */
export async function logout(refresh: string): Promise<void> {
  await api.post('/auth/logout/', { refresh });
}

/**
 * Signs out: revokes the refresh token on the server, so a copy of it (stolen from this
 * device's storage, say) can no longer be refreshed, then forgets the tokens and every cached
 * answer that was personal. The device signs out even when the server cannot be reached.
 */
export function useLogout() {
  const queryClient = useQueryClient();
  return () => {
    const tokens = tokenStore.get();
    tokenStore.set(null);
    queryClient.clear();
    if (tokens) return logout(tokens.refresh).catch(() => undefined);
    return Promise.resolve();
  };
}
