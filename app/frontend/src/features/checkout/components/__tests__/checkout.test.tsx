import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { CART_STORAGE_KEY, cartStore } from '@/features/cart/stores/cart-store';
import { address, IN_REVIEW_MESSAGE, order, user } from '@/testing/data';
import { server } from '@/testing/server';
import { renderApp } from '@/testing/test-utils';

const cartLines = [
  {
    productId: 1,
    name: 'Cast Iron Skillet',
    price: '42.00',
    currency: 'usd',
    imageUrl: null,
    stock: 5,
    quantity: 2
  }
];

function seedCart() {
  localStorage.setItem(CART_STORAGE_KEY, JSON.stringify({ version: 1, lines: cartLines }));
  cartStore.reload();
}

function shopAnswers({ addresses = [] as unknown[] } = {}) {
  server.use(
    http.get('/api/account/addresses/', () => HttpResponse.json(addresses)),
    http.get('/api/payments/cards/', () => HttpResponse.json([])),
    http.get('/api/config/', () =>
      HttpResponse.json({ stripe_publishable_key: null, currency: 'usd' })
    )
  );
}

async function fillCard(events: ReturnType<typeof renderApp>['events'], number: string) {
  await events.type(screen.getByLabelText(/Card number/), number);
  await events.type(screen.getByLabelText(/Expiry/), '12/34');
  await events.type(screen.getByLabelText(/Security code/), '123');
}

async function fillNewAddressAndCard(
  events: ReturnType<typeof renderApp>['events'],
  number: string
) {
  await events.type(screen.getByLabelText(/Address line 1/), '12 Analytical Row');
  await events.type(screen.getByLabelText(/^City/), 'Springfield');
  await events.type(screen.getByLabelText(/Postal code/), '62701');
  await fillCard(events, number);
}

/** Checkout with the saved address already chosen: pay with the test card. */
async function payWithSavedAddress(events: ReturnType<typeof renderApp>['events']) {
  await screen.findByRole('radio', { name: /12 Analytical Row/ });
  expect(screen.getByRole('radio', { name: /12 Analytical Row/ })).toBeChecked();
  await fillCard(events, '4242424242424242');
  await events.click(screen.getByRole('button', { name: /^Pay/ }));
}

describe('checkout', () => {
  test('a declined card shows the message, focuses it, and keeps the cart and everything typed', async () => {
    seedCart();
    shopAnswers();
    const bodies: unknown[] = [];
    server.use(
      http.post('/api/orders/', async ({ request }) => {
        bodies.push(await request.json());
        return HttpResponse.json(
          { message: 'Your card was declined.', extra: { decline_code: 'card_declined' } },
          { status: 402 }
        );
      })
    );
    const { events } = renderApp('/checkout', { user });
    await screen.findByRole('group', { name: 'Billing address' });
    await fillNewAddressAndCard(events, '4000000000000002');
    await events.click(screen.getByRole('button', { name: 'Pay $84.00' }));

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Your card was declined.');
    await waitFor(() => expect(alert).toHaveFocus());
    expect(screen.getByLabelText(/Card number/)).toHaveValue('4000 0000 0000 0002');
    expect(screen.getByLabelText(/Address line 1/)).toHaveValue('12 Analytical Row');
    expect(screen.getByLabelText(/Full name/)).toHaveValue('Ada Lovelace');
    expect(JSON.parse(localStorage.getItem(CART_STORAGE_KEY) ?? '{}').lines).toEqual(cartLines);
    expect(screen.getByTestId('cart-count')).toHaveTextContent('2');
    expect(bodies).toEqual([
      {
        items: [{ product_id: 1, quantity: 2 }],
        billing_address: {
          full_name: 'Ada Lovelace',
          line1: '12 Analytical Row',
          line2: '',
          city: 'Springfield',
          state: '',
          postal_code: '62701',
          country: 'US'
        },
        payment: {
          card: {
            number: '4000000000000002',
            exp_month: 12,
            exp_year: 2034,
            cvc: '123',
            name: 'Ada Lovelace'
          }
        },
        save_card: false
      }
    ]);
  });

  test('an incorrect card number is shown next to the card number field', async () => {
    seedCart();
    shopAnswers();
    server.use(
      http.post('/api/orders/', () =>
        HttpResponse.json(
          {
            message: 'Your card number is incorrect.',
            extra: {
              decline_code: 'incorrect_number',
              fields: { 'payment.card.number': ['Your card number is incorrect.'] }
            }
          },
          { status: 402 }
        )
      )
    );
    const { events } = renderApp('/checkout', { user });
    await screen.findByRole('group', { name: 'Billing address' });
    await fillNewAddressAndCard(events, '4242424242424241');
    await events.click(screen.getByRole('button', { name: /^Pay/ }));
    const number = screen.getByLabelText(/Card number/);
    await waitFor(() => expect(number).toHaveAttribute('aria-invalid', 'true'));
    expect(number).toHaveAccessibleDescription(
      expect.stringContaining('Your card number is incorrect.')
    );
    await waitFor(() => expect(number).toHaveFocus());
  });

  test('missing fields are reported next to them before anything is sent', async () => {
    seedCart();
    shopAnswers();
    const { events } = renderApp('/checkout', { user });
    await screen.findByRole('group', { name: 'Billing address' });
    await events.click(screen.getByRole('button', { name: /^Pay/ }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Please correct the highlighted fields.'
    );
    expect(screen.getByLabelText(/Address line 1/)).toHaveAccessibleDescription(
      'Enter the street address.'
    );
    expect(screen.getByLabelText(/Security code/)).toHaveAccessibleDescription(
      'Enter the 3 or 4 digit security code.'
    );
    await waitFor(() => expect(screen.getByLabelText(/Address line 1/)).toHaveFocus());
  });

  test('paying with a saved address empties the cart and shows the confirmation', async () => {
    seedCart();
    shopAnswers({ addresses: [address] });
    let body: Record<string, unknown> = {};
    server.use(
      http.post('/api/orders/', async ({ request }) => {
        body = (await request.json()) as Record<string, unknown>;
        return HttpResponse.json(order({ id: 42 }), { status: 201 });
      }),
      http.get('/api/orders/42/', () => HttpResponse.json(order({ id: 42 })))
    );
    const { events } = renderApp('/checkout', { user });
    await payWithSavedAddress(events);

    expect(
      await screen.findByRole('heading', { name: 'Thank you for your order!' })
    ).toBeInTheDocument();
    expect(body.billing_address_id).toBe(5);
    expect(body).not.toHaveProperty('billing_address');
    expect(JSON.parse(localStorage.getItem(CART_STORAGE_KEY) ?? '{}').lines).toEqual([]);
    expect(
      within(screen.getByRole('table', { name: /Items in order #42/ })).getByText('Product 1')
    ).toBeInTheDocument();
  });

  test('a payment the fraud check holds is confirmed as placed and paid, with the backend’s review message', async () => {
    seedCart();
    shopAnswers({ addresses: [address] });
    const held = order({ id: 42, status: 'review', status_message: IN_REVIEW_MESSAGE });
    server.use(
      http.post('/api/orders/', () => HttpResponse.json(held, { status: 201 })),
      http.get('/api/orders/42/', () => HttpResponse.json(held))
    );
    const { events } = renderApp('/checkout', { user });
    await payWithSavedAddress(events);

    expect(
      await screen.findByRole('heading', { name: 'Thank you for your order!' })
    ).toBeInTheDocument();
    expect(screen.getByText('Order #42 is placed and paid.')).toBeInTheDocument();
    expect(screen.getByTestId('order-status-message')).toHaveTextContent(IN_REVIEW_MESSAGE);
    expect(screen.queryByText(/your order is confirmed/)).not.toBeInTheDocument();
    // The sale went through: the cart is emptied as for any placed order.
    expect(JSON.parse(localStorage.getItem(CART_STORAGE_KEY) ?? '{}').lines).toEqual([]);
  });

  test('each checkout attempt has its own Idempotency-Key, kept for retries while the outcome is unknown', async () => {
    seedCart();
    shopAnswers();
    const keys: (string | null)[] = [];
    const answers = [
      // No answer in time (nginx's 504): the outcome is unknown, so paying again retries it.
      () => new HttpResponse('<html>504 Gateway Time-out</html>', { status: 504 }),
      // The server found the first try still running.
      () =>
        HttpResponse.json(
          {
            message: 'A checkout with this Idempotency-Key is still being processed.',
            extra: { code: 'idempotency_key_in_progress' }
          },
          { status: 409 }
        ),
      // A definite answer ends the attempt.
      () =>
        HttpResponse.json(
          { message: 'Your card was declined.', extra: { decline_code: 'card_declined' } },
          { status: 402 }
        ),
      () => HttpResponse.json(order({ id: 42 }), { status: 201 })
    ];
    server.use(
      http.post('/api/orders/', ({ request }) => {
        keys.push(request.headers.get('Idempotency-Key'));
        return answers[keys.length - 1]!();
      }),
      http.get('/api/orders/42/', () => HttpResponse.json(order({ id: 42 })))
    );
    const { events } = renderApp('/checkout', { user });
    await screen.findByRole('group', { name: 'Billing address' });
    await fillNewAddressAndCard(events, '4242424242424242');
    for (let attempt = 0; attempt < 4; attempt += 1) {
      await events.click(screen.getByRole('button', { name: /^Pay/ }));
      await waitFor(() => expect(keys).toHaveLength(attempt + 1));
      if (attempt < 3) await screen.findByRole('alert');
    }
    expect(
      await screen.findByRole('heading', { name: 'Thank you for your order!' })
    ).toBeInTheDocument();
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(keys[2]).toBe(keys[0]);
    expect(keys[3]).not.toBe(keys[0]);
  });

  test('a new billing address is saved to the account, so the next checkout offers it', async () => {
    seedCart();
    shopAnswers();
    const saved: unknown[] = [];
    server.use(
      http.post('/api/orders/', () => HttpResponse.json(order({ id: 42 }), { status: 201 })),
      http.get('/api/orders/42/', () => HttpResponse.json(order({ id: 42 }))),
      http.post('/api/account/addresses/', async ({ request }) => {
        saved.push(await request.json());
        return HttpResponse.json(address, { status: 201 });
      })
    );
    const { events } = renderApp('/checkout', { user });
    await screen.findByRole('group', { name: 'Billing address' });
    await fillNewAddressAndCard(events, '4242424242424242');
    expect(screen.getByRole('checkbox', { name: /Save this address/ })).toBeChecked();
    await events.click(screen.getByRole('button', { name: /^Pay/ }));
    await screen.findByRole('heading', { name: 'Thank you for your order!' });
    await waitFor(() =>
      expect(saved).toEqual([
        {
          full_name: 'Ada Lovelace',
          line1: '12 Analytical Row',
          line2: '',
          city: 'Springfield',
          state: '',
          postal_code: '62701',
          country: 'US'
        }
      ])
    );
  });

  test('a signed-out visitor is sent to sign in and comes back to checkout', async () => {
    seedCart();
    const { router } = renderApp('/checkout');
    await screen.findByRole('heading', { name: 'Sign in' });
    expect(router.state.location.search).toBe('?next=%2Fcheckout');
  });
});
