/** Every route's path in one place, so links and the router cannot drift apart. */
export const paths = {
  catalog: '/',
  product: (id: number | string) => `/products/${id}`,
  cart: '/cart',
  login: '/login',
  register: '/register',
  checkout: '/checkout',
  orders: '/orders',
  order: (id: number | string) => `/orders/${id}`,
  account: '/account',
  staffProducts: '/staff/products',
  staffProductNew: '/staff/products/new',
  staffProductEdit: (id: number | string) => `/staff/products/${id}/edit`,
  staffOrders: '/staff/orders',
  staffFraud: '/staff/fraud'
} as const;

/** Only same-site paths are followed after login, so `?next=` cannot send a person elsewhere. */
export function safeNext(
  next: string | null | undefined,
  fallback: string = paths.catalog
): string {
  if (!next || !next.startsWith('/') || next.startsWith('//')) return fallback;
  return next;
}
