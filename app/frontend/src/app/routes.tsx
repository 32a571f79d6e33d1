import type { ComponentType } from 'react';
import type { RouteObject } from 'react-router';
import { MainErrorFallback } from '@/components/errors/main-error-fallback';
import { Spinner } from '@/components/ui/spinner';
import { paths } from '@/config/paths';
import { CartRoute } from './routes/cart';
import { CatalogRoute } from './routes/catalog';
import { LoginRoute } from './routes/login';
import { NotFoundRoute } from './routes/not-found';
import { ProductRoute } from './routes/product';
import { RegisterRoute } from './routes/register';
import { RequireAuth } from './routes/require-auth';
import { Root } from './routes/root';

/**
 * Pages a visitor sees first (catalog, product, cart, sign in) are in the main bundle; the
 * signed-in and staff pages are split into chunks loaded on first visit.
 */
const guarded = (load: () => Promise<{ default: ComponentType }>, staff = false) => ({
  lazy: async () => {
    const { default: Page } = await load();
    return {
      Component: () => (
        <RequireAuth staff={staff}>
          <Page />
        </RequireAuth>
      )
    };
  }
});

export const routes: RouteObject[] = [
  {
    path: '/',
    Component: Root,
    ErrorBoundary: MainErrorFallback,
    // Shown while a lazy page's chunk loads on a first visit straight to it (e.g. /checkout).
    HydrateFallback: () => <Spinner label="Loading the shop…" />,
    children: [
      { index: true, Component: CatalogRoute },
      { path: 'products/:id', Component: ProductRoute },
      { path: paths.cart, Component: CartRoute },
      { path: paths.login, Component: LoginRoute },
      { path: paths.register, Component: RegisterRoute },
      { path: paths.checkout, ...guarded(() => import('./routes/checkout')) },
      { path: paths.orders, ...guarded(() => import('./routes/orders')) },
      { path: 'orders/:id', ...guarded(() => import('./routes/order')) },
      { path: paths.account, ...guarded(() => import('./routes/account')) },
      { path: paths.staffProducts, ...guarded(() => import('./routes/staff/products'), true) },
      {
        path: paths.staffProductNew,
        ...guarded(() => import('./routes/staff/product-editor'), true)
      },
      {
        path: 'staff/products/:id/edit',
        ...guarded(() => import('./routes/staff/product-editor'), true)
      },
      { path: paths.staffOrders, ...guarded(() => import('./routes/staff/orders'), true) },
      { path: '*', Component: NotFoundRoute }
    ]
  }
];
