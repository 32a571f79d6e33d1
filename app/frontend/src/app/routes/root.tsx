import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { Outlet, useLocation, useNavigate } from 'react-router';
import { ShopLayout } from '@/components/layouts/shop-layout';
import { paths } from '@/config/paths';
import { useLogout } from '@/features/auth/api/logout';
import { useUser } from '@/features/auth/api/get-me';
import { useCart } from '@/features/cart/stores/cart-store';
import { tokenStore } from '@/lib/token-store';

/** The shell every page renders in; also moves focus to each new page's heading. */
export function Root() {
  const { user } = useUser();
  const { count } = useCart();
  const logout = useLogout();
  const navigate = useNavigate();
  const location = useLocation();
  const queryClient = useQueryClient();
  const first = useRef(true);

  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    window.scrollTo({ top: 0 });
    // Wait a frame so the new page's heading exists.
    const frame = requestAnimationFrame(() => {
      const target =
        document.querySelector<HTMLElement>('main h1') ??
        document.querySelector<HTMLElement>('main');
      target?.focus({ preventScroll: true });
    });
    return () => cancelAnimationFrame(frame);
  }, [location.pathname]);

  // A refresh token that stopped working signs the person out everywhere in the app.
  useEffect(
    () =>
      tokenStore.subscribe((tokens) => {
        if (!tokens) queryClient.removeQueries({ queryKey: ['me'] });
      }),
    [queryClient]
  );

  return (
    <ShopLayout
      user={user}
      cartCount={count}
      onLogout={() => {
        logout();
        navigate(paths.catalog);
      }}
      onSearch={(search) =>
        navigate(search ? `${paths.catalog}?search=${encodeURIComponent(search)}` : paths.catalog)
      }
    >
      <Outlet />
    </ShopLayout>
  );
}
