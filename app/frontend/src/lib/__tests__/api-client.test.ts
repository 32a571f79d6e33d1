import { http, HttpResponse } from 'msw';
import { server } from '@/testing/server';
import { api } from '../api-client';
import { ApiError } from '../api-error';
import { tokenStore } from '../token-store';

describe('api client: access token refresh', () => {
  test('a 401 refreshes the token pair once, stores it, and retries the request with the new access token', async () => {
    tokenStore.set({ access: 'old-access', refresh: 'old-refresh' });
    const refreshBodies: unknown[] = [];
    server.use(
      http.get('/api/orders/', ({ request }) =>
        request.headers.get('Authorization') === 'Bearer new-access'
          ? HttpResponse.json({ ok: true })
          : HttpResponse.json({ message: 'Token expired.', extra: {} }, { status: 401 })
      ),
      http.post('/api/auth/token/refresh/', async ({ request }) => {
        refreshBodies.push(await request.json());
        return HttpResponse.json({ access: 'new-access', refresh: 'new-refresh' });
      })
    );
    const { data } = await api.get('/orders/');
    expect(data).toEqual({ ok: true });
    expect(refreshBodies).toEqual([{ refresh: 'old-refresh' }]);
    expect(tokenStore.get()).toEqual({ access: 'new-access', refresh: 'new-refresh' });
  });

  test('three requests failing with 401 at once share one refresh', async () => {
    tokenStore.set({ access: 'old-access', refresh: 'old-refresh' });
    let refreshes = 0;
    server.use(
      http.get('/api/account/:what/', ({ request }) =>
        request.headers.get('Authorization') === 'Bearer new-access'
          ? HttpResponse.json([])
          : new HttpResponse(null, { status: 401 })
      ),
      http.post('/api/auth/token/refresh/', () => {
        refreshes += 1;
        return HttpResponse.json({ access: 'new-access', refresh: 'new-refresh' });
      })
    );
    await Promise.all([
      api.get('/account/me/'),
      api.get('/account/addresses/'),
      api.get('/account/x/')
    ]);
    expect(refreshes).toBe(1);
  });

  test('a refresh token that no longer works signs the person out and the request fails with a readable 401', async () => {
    tokenStore.set({ access: 'old-access', refresh: 'revoked' });
    const signedOut = vi.fn();
    const unsubscribe = tokenStore.subscribe(signedOut);
    server.use(
      http.get('/api/orders/', () =>
        HttpResponse.json(
          { message: 'Authentication credentials were not provided.', extra: {} },
          { status: 401 }
        )
      ),
      http.post('/api/auth/token/refresh/', () =>
        HttpResponse.json({ message: 'Token is invalid or expired.', extra: {} }, { status: 401 })
      )
    );
    const error = await api.get('/orders/').catch((e: unknown) => e);
    unsubscribe();
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(401);
    expect((error as ApiError).message).toBe('Authentication credentials were not provided.');
    expect(tokenStore.get()).toBeNull();
    expect(signedOut).toHaveBeenCalledWith(null);
  });

  test('a wrong password on sign-in is not retried through a refresh', async () => {
    tokenStore.set({ access: 'a', refresh: 'r' });
    let refreshes = 0;
    server.use(
      http.post('/api/auth/token/', () =>
        HttpResponse.json(
          { message: 'Email or password is incorrect.', extra: {} },
          { status: 401 }
        )
      ),
      http.post('/api/auth/token/refresh/', () => {
        refreshes += 1;
        return HttpResponse.json({ access: 'x', refresh: 'y' });
      })
    );
    await expect(api.post('/auth/token/', { email: 'a@b.c', password: 'x' })).rejects.toThrow(
      'Email or password is incorrect.'
    );
    expect(refreshes).toBe(0);
  });
});
