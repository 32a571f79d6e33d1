import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { cartStore } from '@/features/cart/stores/cart-store';
import { server } from './server';

// React Router's data router builds a fetch Request with jsdom's AbortSignal, which Node's
// (undici's) Request rejects. Tests never abort navigations, so the signal is dropped here.
const NodeRequest = globalThis.Request;
globalThis.Request = class extends NodeRequest {
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    if (init?.signal) {
      const { signal: _signal, ...rest } = init;
      super(input, rest);
    } else {
      super(input, init);
    }
  }
} as typeof Request;

// Lazy routes are transformed on first import; give them time on a busy 2-core machine.
configure({ asyncUtilTimeout: 5000 });

// jsdom has no layout, so no scrolling; the app scrolls to the top after each navigation.
window.scrollTo = () => undefined;

// Requests no handler answers fail the test: every call a component makes must be expected.
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  cleanup();
  server.resetHandlers();
  localStorage.clear();
  // The app's cart is a module singleton: make it forget the test's lines too.
  cartStore.reload();
});
afterAll(() => server.close());
