import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { Alert } from '@/components/ui/alert';
import { PageTitle } from '@/components/ui/page-title';
import { Spinner } from '@/components/ui/spinner';
import { paths } from '@/config/paths';
import { useSavedCards } from '@/features/account/api/get-saved-cards';
import { useCreateAddress } from '@/features/addresses/api/create-address';
import { useAddresses } from '@/features/addresses/api/get-addresses';
import { useUser } from '@/features/auth/api/get-me';
import { CartView } from '@/features/cart/components/cart-view';
import { useCart } from '@/features/cart/stores/cart-store';
import { useShopConfig } from '@/features/checkout/api/get-config';
import { CheckoutForm } from '@/features/checkout/components/checkout-form';

/** Composes the cart, saved addresses and cards, and the shop's payment config into checkout. */
export default function CheckoutRoute() {
  const navigate = useNavigate();
  const { user } = useUser();
  const { lines, subtotal, currency, store } = useCart();
  const addresses = useAddresses();
  const cards = useSavedCards();
  const config = useShopConfig();
  const createAddress = useCreateAddress();
  const [unavailable, setUnavailable] = useState<number[]>([]);

  if (lines.length === 0) {
    return (
      <>
        <PageTitle title="Checkout" />
        <div className="empty-state">
          <p>Your cart is empty.</p>
          <Link to={paths.catalog} className="button button-primary">
            Browse the catalog
          </Link>
        </div>
      </>
    );
  }

  const loading = addresses.isPending || config.isPending || cards.isPending;
  const error = addresses.error ?? config.error;

  return (
    <>
      <PageTitle title="Checkout" />
      {loading ? <Spinner /> : null}
      {error ? <Alert>{error.message}</Alert> : null}
      {unavailable.length > 0 ? (
        <section className="panel" aria-label="Items short of stock">
          <p>Some items are short of stock. Lower their quantity or remove them, then pay again.</p>
          <CartView onCheckout={() => setUnavailable([])} unavailable={unavailable} />
        </section>
      ) : null}
      {!loading && !error && addresses.data && config.data ? (
        <CheckoutForm
          lines={lines}
          subtotal={subtotal}
          currency={currency}
          addresses={addresses.data}
          savedCards={cards.data ?? []}
          config={config.data}
          defaultName={[user?.first_name, user?.last_name].filter(Boolean).join(' ')}
          onUnavailable={setUnavailable}
          onPlaced={(order, newAddress) => {
            // The next checkout offers the address typed this time (a failure to save it costs
            // nothing but typing it again, so it does not hold up the confirmation).
            if (newAddress) createAddress.mutate(newAddress);
            // Only a paid order empties the cart; every failure leaves it as it was.
            store.clear();
            navigate(`${paths.order(order.id)}?placed=1`, { replace: true });
          }}
        />
      ) : null}
    </>
  );
}
