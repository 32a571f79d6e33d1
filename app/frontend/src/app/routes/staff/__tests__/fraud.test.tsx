import { act, screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import type { FraudFlag } from '@/features/fraud/types';
import { user } from '@/testing/data';
import { server } from '@/testing/server';
import { renderApp } from '@/testing/test-utils';

const staff = { ...user, is_staff: true };

function flag(overrides: Partial<FraudFlag> = {}): FraudFlag {
  return {
    id: 31,
    created_at: '2026-11-20T10:00:00Z',
    status: 'succeeded',
    amount: '42.00',
    currency: 'usd',
    card_brand: 'visa',
    card_last4: '4242',
    billing_city: 'Leeds',
    billing_state: '',
    billing_country: 'GB',
    client_ip: '198.51.100.4',
    user_email: 'buyer@example.com',
    order_id: 9,
    order_status: 'review',
    billing_name: 'Ada Buyer',
    fraud_score: 3.5,
    fraud_threshold: 1.2,
    drivers: [
      { feature: 'users_per_ip', share: 0.71 },
      { feature: 'card_attempts_in_hour', share: 0.2 },
      { feature: 'amount_log', share: 0.05 }
    ],
    review: null,
    ...overrides
  };
}

const summary = {
  range: { start: '2026-11-01', end: '2026-11-30' },
  totals: { scored: 120, flagged: 4, held: 2, awaiting_review: 1, approved: 1, rejected: 0 },
  statistics: { count: 120, mean: 0.4, max: 3.5, p50: 0.3, p95: 1.1, p99: 2.4, threshold: 1.2 },
  scoring_enabled: true,
  mode: 'hold'
};

const distribution = {
  range: summary.range,
  threshold: 1.2,
  upper: 3,
  overflow: 0,
  bins: [
    { lower: 0, upper: 1.5, count: 116 },
    { lower: 1.5, upper: 3, count: 4 }
  ]
};

/** The API with a list that changes as the test goes: `state.flags` is what GET flags/ lists. */
function staffApi(state: { flags: FraudFlag[]; polled: number[] }) {
  server.use(
    http.get('/api/fraud/summary/', () => HttpResponse.json(summary)),
    http.get('/api/fraud/distribution/', () => HttpResponse.json(distribution)),
    http.get('/api/fraud/retrain/', () => HttpResponse.json({ mode: 'local', state: 'idle' })),
    http.get('/api/fraud/flags/', ({ request }) => {
      const after = new URL(request.url).searchParams.get('after');
      const latest = Math.max(0, ...state.flags.map((f) => f.id));
      if (after === null) return HttpResponse.json({ results: state.flags, latest_id: latest });
      state.polled.push(Number(after));
      const newer = state.flags.filter((f) => f.id > Number(after));
      return HttpResponse.json({ results: newer, latest_id: latest });
    })
  );
}

describe('staff fraud page', () => {
  test('shows totals, statistics, the chart with its threshold and the flags with their drivers', async () => {
    staffApi({ flags: [flag()], polled: [] });
    renderApp('/staff/fraud', { user: staff });
    expect(await screen.findByRole('heading', { name: 'Fraud review' })).toBeInTheDocument();
    const totals = await screen.findByRole('region', { name: 'Totals' });
    expect(within(totals).getByText('Held').nextSibling).toHaveTextContent('2');
    const stats = screen.getByRole('region', { name: 'Score statistics' });
    expect(within(stats).getByText('p99').nextSibling).toHaveTextContent('2.400');
    expect(await screen.findByRole('img', { name: /threshold 1.20/ })).toBeInTheDocument();
    const row = await screen.findByTestId('flag-row');
    expect(row).toHaveTextContent('users_per_ip (71%)');
    expect(row).toHaveTextContent('Held for review');
    expect(row).not.toHaveTextContent('4242424242424242');
  });

  test('approving a held order sends it and the row shows the decision', async () => {
    const state = { flags: [flag()], polled: [] as number[] };
    staffApi(state);
    const approved: number[] = [];
    server.use(
      http.post('/api/fraud/orders/:id/approve/', ({ params }) => {
        approved.push(Number(params.id));
        state.flags = [
          flag({
            order_status: 'paid',
            review: {
              decision: 'approved',
              decided_by: staff.email,
              decided_at: '2026-11-20T11:00:00Z',
              reason: '',
              refunded: null
            }
          })
        ];
        return HttpResponse.json({ id: 9, status: 'paid' });
      })
    );
    const { events } = renderApp('/staff/fraud', { user: staff });
    await events.click(await screen.findByRole('button', { name: 'Approve order #9' }));
    await waitFor(() => expect(screen.getByTestId('flag-row')).toHaveTextContent('Approved'));
    expect(approved).toEqual([9]);
    expect(screen.queryByRole('button', { name: 'Approve order #9' })).not.toBeInTheDocument();
  });

  test('rejecting asks for confirmation with an optional reason, then sends it', async () => {
    const state = { flags: [flag()], polled: [] as number[] };
    staffApi(state);
    const bodies: unknown[] = [];
    server.use(
      http.post('/api/fraud/orders/:id/reject/', async ({ request }) => {
        bodies.push(await request.json());
        state.flags = [
          flag({
            order_status: 'cancelled',
            review: {
              decision: 'rejected',
              decided_by: staff.email,
              decided_at: '2026-11-20T11:00:00Z',
              reason: 'card testing',
              refunded: true
            }
          })
        ];
        return HttpResponse.json({ id: 9, status: 'cancelled', refunded: true });
      })
    );
    const { events } = renderApp('/staff/fraud', { user: staff });
    await events.click(await screen.findByRole('button', { name: 'Reject order #9' }));
    await events.type(screen.getByLabelText('Reason (optional)'), 'card testing');
    await events.click(screen.getByRole('button', { name: 'Confirm reject of order #9' }));
    await waitFor(() => expect(screen.getByTestId('flag-row')).toHaveTextContent('Rejected'));
    expect(bodies).toEqual([{ reason: 'card testing' }]);
  });

  test('a 409 from a decision someone else already made is shown as an alert', async () => {
    staffApi({ flags: [flag()], polled: [] });
    server.use(
      http.post('/api/fraud/orders/:id/approve/', () =>
        HttpResponse.json(
          {
            message: 'Only an order held for review can be approved.',
            extra: { status: 'paid', decision: 'approved' }
          },
          { status: 409 }
        )
      )
    );
    const { events } = renderApp('/staff/fraud', { user: staff });
    await events.click(await screen.findByRole('button', { name: 'Approve order #9' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Only an order held for review can be approved.'
    );
  });

  test('new flags appear without reloading: the page polls with the newest id it has', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      const state = { flags: [flag()], polled: [] as number[] };
      staffApi(state);
      renderApp('/staff/fraud', { user: staff });
      expect(await screen.findAllByTestId('flag-row')).toHaveLength(1);
      await waitFor(() => expect(state.polled).toContain(31));
      state.flags = [flag({ id: 40, order_id: 12, billing_name: 'Eve Newcomer' }), flag()];
      await act(() => vi.advanceTimersByTimeAsync(10_500));
      expect(await screen.findByText('1 new flagged attempt.')).toBeInTheDocument();
      await waitFor(() => expect(screen.getAllByTestId('flag-row')).toHaveLength(2));
      expect(screen.getByText(/Eve Newcomer/)).toBeInTheDocument();
    } finally {
      vi.useRealTimers();
    }
  });

  test('a start after the end cannot be shown or exported', async () => {
    staffApi({ flags: [], polled: [] });
    const { events } = renderApp('/staff/fraud', { user: staff });
    const from = await screen.findByLabelText('From');
    await events.clear(from);
    await events.type(from, '2099-01-01');
    expect(screen.getByText('Choose a start on or before the end.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Export CSV' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Show' })).toBeDisabled();
  });

  test('a buyer is not shown the page', async () => {
    renderApp('/staff/fraud', { user });
    expect(await screen.findByRole('heading', { name: 'Staff only' })).toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'Fraud review' })).not.toBeInTheDocument();
  });
});
