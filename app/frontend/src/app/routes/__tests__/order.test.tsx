import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { IN_REVIEW_MESSAGE, order, page, user } from '@/testing/data';
import { server } from '@/testing/server';
import { renderApp } from '@/testing/test-utils';
import type { Order } from '@/types/api';

function answers(...orders: Order[]) {
  server.use(
    http.get('/api/orders/', () => HttpResponse.json(page(orders))),
    ...orders.map((one) => http.get(`/api/orders/${one.id}/`, () => HttpResponse.json(one)))
  );
}

const held = order({ id: 42, status: 'review', status_message: IN_REVIEW_MESSAGE });
const cancelled = order({ id: 43, status: 'cancelled', status_message: '' });

describe("the buyer's order page", () => {
  test('an order held for review shows the backend’s message and its status', async () => {
    answers(held);
    renderApp('/orders/42', { user });
    const message = await screen.findByTestId('order-status-message');
    expect(message).toHaveTextContent(IN_REVIEW_MESSAGE);
    // Announced politely (role="status"), under a title that says it in five words.
    expect(message.closest('[role="status"]')).toHaveTextContent(/^Your payment is being checked/);
    expect(screen.getByText('Payment being checked')).toHaveClass('status-review');
  });

  test('an order in review without a message from the backend still explains itself', async () => {
    answers({ ...held, status_message: '' });
    renderApp('/orders/42', { user });
    expect(await screen.findByTestId('order-status-message')).toHaveTextContent(
      /ships as soon as the check confirms it\. You do not need to do anything\.$/
    );
  });

  test('the confirmation of a held order says it is placed and paid, not that it is confirmed', async () => {
    answers(held);
    renderApp('/orders/42?placed=1', { user });
    expect(
      await screen.findByRole('heading', { name: 'Thank you for your order!' })
    ).toBeInTheDocument();
    expect(await screen.findByText('Order #42 is placed and paid.')).toBeInTheDocument();
    expect(screen.getByTestId('order-status-message')).toHaveTextContent(IN_REVIEW_MESSAGE);
    expect(screen.queryByText(/your order is confirmed/)).not.toBeInTheDocument();
  });

  test('a cancelled order without a message from the backend says it will not ship and will be refunded', async () => {
    answers(cancelled);
    renderApp('/orders/43?placed=1', { user });
    expect(await screen.findByText('This order was cancelled')).toBeInTheDocument();
    expect(screen.getByTestId('order-status-message')).toHaveTextContent(
      'We could not confirm the payment for this order, so we cancelled it and it will not ship. ' +
        'The full amount will be refunded to the card you paid with'
    );
    // Not thanked for, nor confirmed, even on the confirmation link.
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Order #43');
    expect(screen.queryByText(/your order is confirmed/)).not.toBeInTheDocument();
    expect(screen.getByText('Cancelled')).toHaveClass('status-cancelled');
  });

  test("a cancelled order shows the backend's words when it sends them", async () => {
    answers({ ...cancelled, status_message: 'The full amount has been refunded.' });
    renderApp('/orders/43', { user });
    expect(await screen.findByTestId('order-status-message')).toHaveTextContent(
      'The full amount has been refunded.'
    );
  });

  test('a paid order is confirmed and has no notice', async () => {
    answers(order({ id: 44 }));
    renderApp('/orders/44?placed=1', { user });
    expect(await screen.findByText('Payment received — your order is confirmed.')).toBeVisible();
    expect(
      screen.getByText('Order #44 is paid. We will let you know when it is delivered.')
    ).toBeInTheDocument();
    expect(screen.queryByTestId('order-status-message')).not.toBeInTheDocument();
  });
});

describe("the buyer's order list", () => {
  test('names each status, review and cancelled included', async () => {
    answers(held, cancelled, order({ id: 44 }), order({ id: 45, status: 'delivered' }));
    renderApp('/orders', { user });
    const rows = await screen.findAllByTestId('order-row');
    expect(
      rows.map((row) => within(row).getByText(/.+/, { selector: '.status' }).textContent)
    ).toEqual(['Payment being checked', 'Cancelled', 'Paid — preparing', 'Delivered']);
  });
});
