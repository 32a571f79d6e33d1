import { useNavigate } from 'react-router';
import { PageTitle } from '@/components/ui/page-title';
import { paths } from '@/config/paths';
import { useUser } from '@/features/auth/api/get-me';
import { CartView } from '@/features/cart/components/cart-view';

export function CartRoute() {
  const navigate = useNavigate();
  const { user } = useUser();
  return (
    <>
      <PageTitle title="Your cart" />
      <CartView
        onCheckout={() =>
          navigate(
            user ? paths.checkout : `${paths.login}?next=${encodeURIComponent(paths.checkout)}`
          )
        }
      />
    </>
  );
}
