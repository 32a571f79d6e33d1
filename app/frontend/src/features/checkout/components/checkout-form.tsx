import { useRef, useState, type FormEvent } from 'react';
import { AddressFields } from '@/components/forms/address-fields';
import { EMPTY_ADDRESS, formatAddress, type AddressValues } from '@/components/forms/address';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { ApiError, type FieldErrors } from '@/lib/api-error';
import { focusFirstProblem, nestedFieldErrors, zodFieldErrors } from '@/lib/form';
import type { Address, Order, SavedCard, ShopConfig } from '@/types/api';
import { formatMoney, toCents } from '@/utils/money';
import {
  addressSchema,
  cardSchema,
  checkoutInputSchema,
  newIdempotencyKey,
  useCreateOrder,
  type CheckoutInput
} from '../api/create-order';
import { useStripeCard } from '../hooks/use-stripe-card';
import {
  cardFieldErrors,
  declineField,
  formatCardNumber,
  parseExpiry,
  type CardFieldName
} from './card-errors';

export type CheckoutLine = {
  productId: number;
  name: string;
  price: string;
  currency: string;
  quantity: number;
};

type Props = {
  lines: CheckoutLine[];
  subtotal: string;
  currency: string;
  addresses: Address[];
  savedCards: SavedCard[];
  config: ShopConfig;
  defaultName?: string;
  /** `newAddress`: a new billing address the buyer asked to keep for next time. */
  onPlaced: (order: Order, newAddress: AddressValues | null) => void;
  /** Products the server said are short of stock (409), so the cart can point at them. */
  onUnavailable?: (productIds: number[]) => void;
};

type CardValues = { number: string; expiry: string; cvc: string; name: string };

/**
 * Billing address (a saved one or a new one) and card, then one "Pay" button. Nothing typed
 * is cleared by a failed attempt: a decline shows the gateway's message, focuses it, and leaves
 * every field (and the cart, which only the caller clears on success) as it was.
 */
export function CheckoutForm({
  lines,
  subtotal,
  currency,
  addresses,
  savedCards,
  config,
  defaultName = '',
  onPlaced,
  onUnavailable
}: Props) {
  const defaultAddress = addresses.find((a) => a.is_default) ?? addresses[0];
  const [addressChoice, setAddressChoice] = useState<number | 'new'>(defaultAddress?.id ?? 'new');
  const [address, setAddress] = useState<AddressValues>({
    ...EMPTY_ADDRESS,
    full_name: defaultName
  });
  const [cardChoice, setCardChoice] = useState<number | 'new'>('new');
  const [card, setCard] = useState<CardValues>({
    number: '',
    expiry: '',
    cvc: '',
    name: defaultName
  });
  const [saveCard, setSaveCard] = useState(false);
  // A typed address is kept in the account unless the buyer says not to, so the next checkout
  // offers it instead of an empty form.
  const [saveAddress, setSaveAddress] = useState(true);
  const [fields, setFields] = useState<FieldErrors>({});
  const [cardErrors, setCardErrors] = useState<Partial<Record<CardFieldName, string[]>>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [stripeBusy, setStripeBusy] = useState(false);
  const [declined, setDeclined] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  // One Idempotency-Key per checkout attempt. It is kept while the attempt's outcome is unknown
  // (no answer, a 5xx, "still in progress"), so paying again retries the same attempt and the
  // server never charges it twice; a Stripe retry resends the same payment method. A definite
  // answer (paid, declined, refused) ends the attempt: the next "Pay" is a new one.
  const attempt = useRef<{ key: string; sent: CheckoutInput | null }>({
    key: newIdempotencyKey(),
    sent: null
  });
  const createOrder = useCreateOrder();
  const stripeKey = config.stripe_publishable_key;
  const stripe = useStripeCard(cardChoice === 'new' ? stripeKey : null);

  const setCardField = (name: keyof CardValues) => (event: { target: { value: string } }) =>
    setCard((current) => ({
      ...current,
      [name]: name === 'number' ? formatCardNumber(event.target.value) : event.target.value
    }));

  function fail(
    text: string,
    nextFields: FieldErrors = {},
    nextCardErrors: Partial<Record<CardFieldName, string[]>> = {}
  ) {
    setMessage(text);
    setDeclined(false);
    setFields(nextFields);
    setCardErrors(nextCardErrors);
    focusFirstProblem(formRef.current);
  }

  async function stripePaymentMethod(
    billingName: string
  ): Promise<CheckoutInput['payment'] | null> {
    setStripeBusy(true);
    try {
      const billingAddress =
        addressChoice === 'new' ? address : addresses.find((a) => a.id === addressChoice);
      const id = await stripe.createPaymentMethod({
        name: billingName,
        address: billingAddress
          ? {
              line1: billingAddress.line1,
              city: billingAddress.city,
              postal_code: billingAddress.postal_code,
              country: billingAddress.country
            }
          : undefined
      });
      return { payment_method_id: id };
    } catch (error) {
      fail((error as Error).message);
      return null;
    } finally {
      setStripeBusy(false);
    }
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (createOrder.isPending || stripeBusy) return;
    const billingName =
      addressChoice === 'new'
        ? address.full_name
        : (addresses.find((a) => a.id === addressChoice)?.full_name ?? '');
    const useStripe = cardChoice === 'new' && Boolean(stripeKey);

    // Check what was typed before anything is sent (and before Stripe is asked for a token).
    const problems: FieldErrors = {};
    const prefixed = (prefix: string, errors: FieldErrors) =>
      Object.entries(errors).forEach(
        ([key, messages]) => (problems[`${prefix}.${key}`] = messages)
      );
    let billing: CheckoutInput['billing'] = {
      billing_address_id: addressChoice === 'new' ? 0 : addressChoice
    };
    if (addressChoice === 'new') {
      const parsed = addressSchema.safeParse(address);
      if (parsed.success) billing = { billing_address: parsed.data };
      else prefixed('billing_address', zodFieldErrors(parsed.error));
    }
    let payment: CheckoutInput['payment'] | null =
      cardChoice !== 'new' ? { saved_card_id: cardChoice } : null;
    if (cardChoice === 'new' && !useStripe) {
      const expiry = parseExpiry(card.expiry);
      const parsed = cardSchema.safeParse({
        number: card.number,
        exp_month: expiry?.month ?? Number.NaN,
        exp_year: expiry?.year ?? Number.NaN,
        cvc: card.cvc.trim(),
        name: card.name
      });
      if (parsed.success) payment = { card: parsed.data };
      else prefixed('payment.card', zodFieldErrors(parsed.error));
    }
    if (Object.keys(problems).length > 0) {
      fail('Please correct the highlighted fields.', problems, cardFieldErrors(problems));
      return;
    }
    if (useStripe) {
      const unfinished = attempt.current.sent?.payment;
      payment =
        unfinished && 'payment_method_id' in unfinished
          ? unfinished
          : await stripePaymentMethod(billingName);
      if (!payment) return;
    }
    const input = checkoutInputSchema.safeParse({
      items: lines.map((line) => ({ product_id: line.productId, quantity: line.quantity })),
      billing,
      payment,
      save_card: cardChoice === 'new' && saveCard
    });
    if (!input.success) {
      fail('Your cart is empty or changed. Please review it and try again.');
      return;
    }

    setMessage(null);
    setFields({});
    setCardErrors({});
    attempt.current.sent = input.data;
    try {
      const order = await createOrder.mutateAsync({
        input: input.data,
        idempotencyKey: attempt.current.key
      });
      attempt.current = { key: newIdempotencyKey(), sent: null };
      const typed =
        'billing_address' in input.data.billing ? input.data.billing.billing_address : null;
      onPlaced(order, typed && saveAddress ? typed : null);
    } catch (error) {
      const apiError =
        error instanceof ApiError
          ? error
          : new ApiError('Something went wrong. Please try again.', 0);
      const unknownOutcome =
        apiError.status === 0 ||
        apiError.status >= 500 ||
        apiError.extra.code === 'idempotency_key_in_progress';
      if (!unknownOutcome) attempt.current = { key: newIdempotencyKey(), sent: null };
      const nextCardErrors = cardFieldErrors(apiError.fields);
      const field = declineField(apiError);
      if (field && !nextCardErrors[field]?.includes(apiError.message)) {
        nextCardErrors[field] = [...(nextCardErrors[field] ?? []), apiError.message];
      }
      if (apiError.status === 409 && Array.isArray(apiError.extra.product_ids)) {
        onUnavailable?.(apiError.extra.product_ids.map(Number));
      }
      fail(apiError.message, apiError.fields, nextCardErrors);
      setDeclined(apiError.status === 402);
    }
  }

  const addressErrors = nestedFieldErrors(fields, 'billing_address');
  const busy = createOrder.isPending || stripeBusy;

  return (
    <form ref={formRef} className="checkout" noValidate onSubmit={submit} aria-label="Checkout">
      <div className="checkout-main">
        {message ? (
          <Alert title={declined ? 'Payment failed' : undefined}>
            {message}
            {declined ? (
              <p className="muted">
                Your cart and everything you typed are still here. Try another card or check the
                details.
              </p>
            ) : null}
          </Alert>
        ) : null}

        <fieldset className="panel">
          <legend>Billing address</legend>
          {addresses.length > 0 ? (
            <div className="choice-list" role="radiogroup" aria-label="Billing address">
              {addresses.map((saved) => (
                <label key={saved.id} className="choice">
                  <input
                    type="radio"
                    name="billing-address"
                    value={saved.id}
                    checked={addressChoice === saved.id}
                    onChange={() => setAddressChoice(saved.id)}
                  />
                  <span>{formatAddress(saved)}</span>
                </label>
              ))}
              <label className="choice">
                <input
                  type="radio"
                  name="billing-address"
                  value="new"
                  checked={addressChoice === 'new'}
                  onChange={() => setAddressChoice('new')}
                />
                <span>Use a new address</span>
              </label>
            </div>
          ) : null}
          {fields.billing_address_id ? (
            <p className="field-error">{fields.billing_address_id.join(' ')}</p>
          ) : null}
          {addressChoice === 'new' ? (
            <>
              <AddressFields
                section="billing"
                values={address}
                errors={addressErrors}
                onChange={setAddress}
              />
              <label className="checkbox">
                <input
                  type="checkbox"
                  checked={saveAddress}
                  onChange={(event) => setSaveAddress(event.target.checked)}
                />
                Save this address to my account for next time
              </label>
            </>
          ) : null}
        </fieldset>

        <fieldset className="panel">
          <legend>Payment</legend>
          {savedCards.length > 0 ? (
            <div className="choice-list" role="radiogroup" aria-label="Card">
              {savedCards.map((saved) => (
                <label key={saved.id} className="choice">
                  <input
                    type="radio"
                    name="card-choice"
                    value={saved.id}
                    checked={cardChoice === saved.id}
                    onChange={() => setCardChoice(saved.id)}
                  />
                  <span>
                    {saved.brand.toUpperCase()} ending in {saved.last4}, expires{' '}
                    {String(saved.exp_month).padStart(2, '0')}/{saved.exp_year}
                  </span>
                </label>
              ))}
              <label className="choice">
                <input
                  type="radio"
                  name="card-choice"
                  value="new"
                  checked={cardChoice === 'new'}
                  onChange={() => setCardChoice('new')}
                />
                <span>Use a new card</span>
              </label>
            </div>
          ) : null}
          {cardChoice === 'new' && stripeKey ? (
            <div className="field">
              <span className="label" id="stripe-card-label">
                Card
              </span>
              <div
                ref={stripe.containerRef}
                className="stripe-card"
                aria-labelledby="stripe-card-label"
              />
              {stripe.error ? (
                <p className="field-error" role="alert">
                  {stripe.error}
                </p>
              ) : null}
              {!stripe.ready && !stripe.error ? (
                <p className="field-hint">Loading the secure card form…</p>
              ) : null}
            </div>
          ) : null}
          {cardChoice === 'new' && !stripeKey ? (
            <div className="card-fields">
              <Field
                label="Card number"
                name="cc-number"
                autoComplete="cc-number"
                inputMode="numeric"
                required
                placeholder="1234 1234 1234 1234"
                value={card.number}
                onChange={setCardField('number')}
                errors={cardErrors.number}
              />
              <div className="field-row">
                <Field
                  label="Expiry (MM/YY)"
                  name="cc-exp"
                  autoComplete="cc-exp"
                  inputMode="numeric"
                  required
                  placeholder="MM/YY"
                  value={card.expiry}
                  onChange={setCardField('expiry')}
                  errors={cardErrors.expiry}
                />
                <Field
                  label="Security code (CVC)"
                  name="cc-csc"
                  autoComplete="cc-csc"
                  inputMode="numeric"
                  required
                  maxLength={4}
                  value={card.cvc}
                  onChange={setCardField('cvc')}
                  errors={cardErrors.cvc}
                />
              </div>
              <Field
                label="Name on card"
                name="cc-name"
                autoComplete="cc-name"
                required
                value={card.name}
                onChange={setCardField('name')}
                errors={cardErrors.name}
              />
            </div>
          ) : null}
          {cardChoice === 'new' ? (
            <label className="checkbox">
              <input
                type="checkbox"
                checked={saveCard}
                onChange={(event) => setSaveCard(event.target.checked)}
              />
              Save this card for next time (only the brand, last 4 digits and expiry are kept)
            </label>
          ) : null}
        </fieldset>
      </div>

      <aside className="summary-card checkout-summary" aria-label="Order summary">
        <h2>Your order</h2>
        <ul className="summary-lines">
          {lines.map((line) => (
            <li key={line.productId}>
              <span>
                {line.quantity} × {line.name}
              </span>
              <span>{formatMoney(toCents(line.price) * line.quantity, line.currency)}</span>
            </li>
          ))}
        </ul>
        <dl className="summary-rows">
          <div className="summary-total">
            <dt>Total</dt>
            <dd>{formatMoney(subtotal, currency)}</dd>
          </div>
        </dl>
        <Button type="submit" className="button-block" busy={busy}>
          {busy ? 'Paying…' : `Pay ${formatMoney(subtotal, currency)}`}
        </Button>
        <p className="muted small">The total is confirmed by the shop when you pay.</p>
      </aside>
    </form>
  );
}
