import type { Tokens } from '@/types/api';

const KEY = 'brightcart.auth';

type Listener = (tokens: Tokens | null) => void;
const listeners = new Set<Listener>();

/**
 * The signed-in person's JWT pair, kept in localStorage so a reload keeps them signed in.
 * Subscribers (the auth hooks) hear every change, including a sign-out caused by a refresh
 * token that no longer works.
 */
export const tokenStore = {
  get(): Tokens | null {
    try {
      const raw = localStorage.getItem(KEY);
      if (!raw) return null;
      const value: unknown = JSON.parse(raw);
      if (
        value &&
        typeof value === 'object' &&
        typeof (value as Tokens).access === 'string' &&
        typeof (value as Tokens).refresh === 'string'
      ) {
        return value as Tokens;
      }
    } catch {
      // A corrupt entry is the same as none: the person signs in again.
    }
    return null;
  },
  set(tokens: Tokens | null): void {
    if (tokens) localStorage.setItem(KEY, JSON.stringify(tokens));
    else localStorage.removeItem(KEY);
    listeners.forEach((listener) => listener(tokens));
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }
};
