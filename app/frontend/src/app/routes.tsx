import type { ComponentType } from 'react';
import type { RouteObject } from 'react-router';
import { MainErrorFallback } from '@/components/errors/main-error-fallback';
import { Spinner } from '@/components/ui/spinner';
import { paths } from '@/config/paths';
import { CatalogRoute } from './routes/catalog';
import { NotFoundRoute } from './routes/not-found';
import { RequireAuth } from './routes/require-auth';
import { Root } from './routes/root';

/**
 * Only the catalog (the first page of nearly every visit) is in the main bundle. Every other
 * page is a chunk loaded on its first visit: the product page, the cart and the sign-in forms
 * (with their validation) as plain pages, the signed-in and staff pages behind RequireAuth.
 * This keeps the first page's JavaScript under its budget (docs/benchmarks.md, Storefront).
 */
const page = (load: () => Promise<ComponentType>) => ({
  lazy: async () => ({ Component: await load() })
});

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
      {
        path: 'products/:id',
        ...page(() => import('./routes/product').then((m) => m.ProductRoute))
      },
      { path: paths.cart, ...page(() => import('./routes/cart').then((m) => m.CartRoute)) },
      { path: paths.login, ...page(() => import('./routes/login').then((m) => m.LoginRoute)) },
      {
        path: paths.register,
        ...page(() => import('./routes/register').then((m) => m.RegisterRoute))
      },
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
      { path: paths.staffFraud, ...guarded(() => import('./routes/staff/fraud'), true) },
      { path: '*', Component: NotFoundRoute }
    ]
  }
];
