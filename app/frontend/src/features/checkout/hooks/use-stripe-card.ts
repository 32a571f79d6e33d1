import { useEffect, useRef, useState } from 'react';
import type { Stripe, StripeCardElement } from '@stripe/stripe-js';

type BillingDetails = {
  name: string;
  address?: { line1?: string; city?: string; postal_code?: string; country?: string };
};

/**
 * Mounts a Stripe Elements card field into `containerRef` — only when a publishable key is
 * configured: Stripe.js (and the npm loader) is fetched lazily, so a shop on the offline test
 * gateway never downloads it.
 */
export function useStripeCard(publishableKey: string | null) {
  const containerRef = useRef<HTMLDivElement>(null);
  const stripeRef = useRef<{ stripe: Stripe; card: StripeCardElement } | null>(null);
  const [state, setState] = useState<{ ready: boolean; error: string | null; complete: boolean }>({
    ready: false,
    error: null,
    complete: false
  });

  useEffect(() => {
    if (!publishableKey) return;
    let cancelled = false;
    let card: StripeCardElement | null = null;
    import('@stripe/stripe-js')
      .then(({ loadStripe }) => loadStripe(publishableKey))
      .then((stripe) => {
        if (cancelled || !stripe || !containerRef.current) return;
        card = stripe.elements().create('card', {
          hidePostalCode: true,
          style: { base: { fontSize: '16px', color: '#1d2433' } }
        });
        card.mount(containerRef.current);
        card.on('change', (event) =>
          setState((s) => ({ ...s, error: event.error?.message ?? null, complete: event.complete }))
        );
        stripeRef.current = { stripe, card };
        setState((s) => ({ ...s, ready: true }));
      })
      .catch(() => {
        if (!cancelled)
          setState((s) => ({
            ...s,
            error: 'The card form could not be loaded. Check your connection and reload the page.'
          }));
      });
    return () => {
      cancelled = true;
      card?.destroy();
      stripeRef.current = null;
    };
  }, [publishableKey]);

  /** Turns the typed card into a PaymentMethod id, or throws with Stripe's readable message. */
  async function createPaymentMethod(billing: BillingDetails): Promise<string> {
    const current = stripeRef.current;
    if (!current) throw new Error('The card form is still loading. Please wait a moment.');
    const result = await current.stripe.createPaymentMethod({
      type: 'card',
      card: current.card,
      billing_details: billing
    });
    if (result.error) throw new Error(result.error.message ?? 'The card could not be used.');
    return result.paymentMethod.id;
  }

  return { containerRef, ...state, createPaymentMethod };
}
