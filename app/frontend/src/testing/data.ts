import type { Address, Order, Page, Product, User } from '@/types/api';

// Objects in the exact shapes API.md documents, for component tests.

export const user: User = {
  id: 7,
  email: 'ada@example.com',
  first_name: 'Ada',
  last_name: 'Lovelace',
  is_staff: false
};

export function product(overrides: Partial<Product> = {}): Product {
  const id = overrides.id ?? 1;
  return {
    id,
    name: `Product ${id}`,
    slug: `product-${id}`,
    description: 'A well-made thing.',
    price: '19.99',
    currency: 'usd',
    stock: 10,
    in_stock: true,
    category: { slug: 'kitchen', name: 'Kitchen' },
    image_url: `/api/products/${id}/image.svg`,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    ...overrides
  };
}

export function page<T>(results: T[], overrides: Partial<Page<T>> = {}): Page<T> {
  return {
    count: results.length,
    page: 1,
    page_size: 12,
    num_pages: 1,
    next: null,
    previous: null,
    results,
    ...overrides
  };
}

export const address: Address = {
  id: 5,
  full_name: 'Ada Lovelace',
  line1: '12 Analytical Row',
  line2: '',
  city: 'Springfield',
  state: 'IL',
  postal_code: '62701',
  country: 'US',
  is_default: true
};

/** The backend's words for an order held for review (orders/apis.py MESSAGE_IN_REVIEW). */
export const IN_REVIEW_MESSAGE =
  'Your payment went through and your order is placed. It is being reviewed before it ships,' +
  ' which usually takes less than a business day; you do not need to do anything.';

export function order(overrides: Partial<Order> = {}): Order {
  return {
    id: 42,
    status: 'paid',
    status_message: '',
    items: [
      { product_id: 1, name: 'Product 1', unit_price: '19.99', quantity: 2, line_total: '39.98' }
    ],
    subtotal: '39.98',
    total: '39.98',
    currency: 'usd',
    billing_address: { ...address },
    card: { brand: 'visa', last4: '4242' },
    created_at: '2026-01-02T10:00:00Z',
    paid_at: '2026-01-02T10:00:00Z',
    delivered_at: null,
    ...overrides
  };
}
