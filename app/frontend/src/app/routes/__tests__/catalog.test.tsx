import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { CART_STORAGE_KEY } from '@/features/cart/stores/cart-store';
import { page, product } from '@/testing/data';
import { server } from '@/testing/server';
import { renderApp } from '@/testing/test-utils';

function catalogAnswers(seen: URLSearchParams[] = []) {
  server.use(
    http.get('/api/categories/', () =>
      HttpResponse.json([
        { slug: 'kitchen', name: 'Kitchen' },
        { slug: 'audio', name: 'Audio' }
      ])
    ),
    http.get('/api/products/', ({ request }) => {
      const params = new URL(request.url).searchParams;
      seen.push(params);
      const all = [
        product({ id: 1, name: 'Skillet' }),
        product({ id: 2, name: 'Speaker', stock: 0, in_stock: false })
      ];
      const search = params.get('search') ?? '';
      return HttpResponse.json(
        page(
          all.filter((p) => p.name.toLowerCase().includes(search.toLowerCase())),
          { num_pages: 3 }
        )
      );
    })
  );
  return seen;
}

describe('catalog', () => {
  test('lists products with prices; out-of-stock ones cannot be added', async () => {
    catalogAnswers();
    renderApp('/');
    const cards = await screen.findAllByTestId('product-card');
    expect(cards).toHaveLength(2);
    expect(within(cards[0]!).getByText('$19.99')).toBeInTheDocument();
    expect(within(cards[1]!).getByRole('button', { name: 'Out of stock' })).toBeDisabled();
  });

  test('searching sends ?search= and updates the heading', async () => {
    const seen = catalogAnswers();
    const { events, router } = renderApp('/');
    await screen.findAllByTestId('product-card');
    await events.type(screen.getByRole('searchbox', { name: 'Search' }), 'skil');
    await events.click(
      within(screen.getByRole('search', { name: 'Filter products' })).getByRole('button', {
        name: 'Search'
      })
    );
    expect(
      await screen.findByRole('heading', { level: 1, name: 'Results for “skil”' })
    ).toBeInTheDocument();
    expect(router.state.location.search).toBe('?search=skil');
    expect(seen.at(-1)?.get('search')).toBe('skil');
    expect(await screen.findAllByTestId('product-card')).toHaveLength(1);
  });

  test('choosing a category and a page puts both in the request', async () => {
    const seen = catalogAnswers();
    const { events } = renderApp('/');
    await screen.findAllByTestId('product-card');
    await events.selectOptions(screen.getByLabelText('Category'), 'audio');
    await events.click(await screen.findByRole('button', { name: 'Page 2' }));
    const last = seen.at(-1)!;
    expect(last.get('category')).toBe('audio');
    expect(last.get('page')).toBe('2');
  });

  test('adding to the cart updates the header count, announces it, and persists it', async () => {
    catalogAnswers();
    const { events } = renderApp('/');
    await screen.findAllByTestId('product-card');
    await events.click(screen.getByRole('button', { name: 'Add to cart Skillet' }));
    expect(screen.getByTestId('cart-count')).toHaveTextContent('1');
    expect(await screen.findByText('Added 1 × Skillet to your cart.')).toBeInTheDocument();
    expect(JSON.parse(localStorage.getItem(CART_STORAGE_KEY) ?? '{}').lines[0].productId).toBe(1);
  });

  test('a failing API shows its message instead of an empty page', async () => {
    server.use(
      http.get('/api/categories/', () => HttpResponse.json([])),
      http.get('/api/products/', () =>
        HttpResponse.json({ message: 'The catalog is resting.', extra: {} }, { status: 503 })
      )
    );
    renderApp('/');
    expect(await screen.findByRole('alert', {}, { timeout: 5000 })).toHaveTextContent(
      'The catalog is resting.'
    );
  });
});
