import axios, { type AxiosError, type InternalAxiosRequestConfig } from 'axios';
import { env } from '@/config/env';
import { toApiError } from '@/lib/api-error';
import { tokenStore } from '@/lib/token-store';
import type { Tokens } from '@/types/api';

/**
 * The one HTTP client every feature's `api/` uses. It adds the access token, and on a 401 it
 * refreshes the token pair once (one refresh shared by every request that failed meanwhile)
 * and retries the request; if the refresh fails, the person is signed out. Every error leaves
 * here as an ApiError with a readable message.
 */
export const api = axios.create({
  baseURL: env.API_URL,
  headers: { Accept: 'application/json' },
  timeout: 30_000
});

type RetriableConfig = InternalAxiosRequestConfig & { _retried?: boolean };

const AUTH_PATHS = ['/auth/token/', '/auth/register/', '/auth/token/refresh/', '/auth/logout/'];

let refreshing: Promise<Tokens | null> | null = null;

/** Exchanges the refresh token for a new pair; null (and signed out) when it no longer works. */
export function refreshTokens(): Promise<Tokens | null> {
  refreshing ??= (async () => {
    const current = tokenStore.get();
    if (!current) return null;
    try {
      // A bare axios call: this request must not go through the 401 interceptor itself.
      const { data } = await axios.post<Tokens>(`${env.API_URL}/auth/token/refresh/`, {
        refresh: current.refresh
      });
      const tokens = { access: data.access, refresh: data.refresh ?? current.refresh };
      tokenStore.set(tokens);
      return tokens;
    } catch {
      tokenStore.set(null);
      return null;
    }
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

api.interceptors.request.use((config) => {
  const tokens = tokenStore.get();
  if (tokens && !config.headers.Authorization) {
    config.headers.Authorization = `Bearer ${tokens.access}`;
  }
  return config;
});

api.interceptors.response.use(undefined, async (error: AxiosError) => {
  const config = error.config as RetriableConfig | undefined;
  const isAuthCall = AUTH_PATHS.some((path) => config?.url?.endsWith(path));
  if (
    error.response?.status === 401 &&
    config &&
    !config._retried &&
    !isAuthCall &&
    tokenStore.get()
  ) {
    config._retried = true;
    const tokens = await refreshTokens();
    if (tokens) {
      config.headers.Authorization = `Bearer ${tokens.access}`;
      return api.request(config);
    }
  }
  throw toApiError(error);
});
