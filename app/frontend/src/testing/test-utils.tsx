import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { AppProvider } from '@/app/provider';
import { routes } from '@/app/routes';
import { createQueryClient } from '@/lib/react-query';
import { tokenStore } from '@/lib/token-store';
import type { User } from '@/types/api';
import { server } from './server';

/**
 * Renders the app's real routes at `path` inside its real providers, with a fresh query cache.
 * With `user`, a token pair is stored and GET /api/account/me/ answers with that person.
 */
export function renderApp(path: string, { user = null }: { user?: User | null } = {}) {
  if (user) {
    tokenStore.set({ access: 'access-token', refresh: 'refresh-token' });
    server.use(http.get('/api/account/me/', () => HttpResponse.json(user)));
  }
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  const queryClient = createQueryClient();
  const result = render(
    <AppProvider queryClient={queryClient}>
      <RouterProvider router={router} />
    </AppProvider>
  );
  return { ...result, router, queryClient, events: userEvent.setup() };
}
