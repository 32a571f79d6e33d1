import { screen, waitFor } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { tokenStore } from '@/lib/token-store';
import { page, user } from '@/testing/data';
import { server } from '@/testing/server';
import { renderApp } from '@/testing/test-utils';

describe('sign out', () => {
  test('revokes the refresh token on the server and forgets the tokens', async () => {
    const revoked: unknown[] = [];
    server.use(
      http.get('/api/categories/', () => HttpResponse.json([])),
      http.get('/api/products/', () => HttpResponse.json(page([]))),
      http.post('/api/auth/logout/', async ({ request }) => {
        revoked.push(await request.json());
        return new HttpResponse(null, { status: 204 });
      })
    );
    const { events } = renderApp('/', { user });
    await events.click(await screen.findByRole('button', { name: 'Sign out' }));
    await waitFor(() => expect(revoked).toEqual([{ refresh: 'refresh-token' }]));
    expect(tokenStore.get()).toBeNull();
    expect(await screen.findByRole('link', { name: /Sign in/ })).toBeInTheDocument();
  });

  test('signs out on this device even when the server cannot be reached', async () => {
    server.use(
      http.get('/api/categories/', () => HttpResponse.json([])),
      http.get('/api/products/', () => HttpResponse.json(page([]))),
      http.post('/api/auth/logout/', () => HttpResponse.error())
    );
    const { events } = renderApp('/', { user });
    await events.click(await screen.findByRole('button', { name: 'Sign out' }));
    expect(tokenStore.get()).toBeNull();
    expect(await screen.findByRole('link', { name: /Sign in/ })).toBeInTheDocument();
  });
});
