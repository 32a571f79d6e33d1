// The backend's resources as app/backend/API.md describes them. Money is a decimal string.

export type User = {
  id: number;
  email: string;
  first_name: string;
  last_name: string;
  is_staff: boolean;
};

export type Tokens = { access: string; refresh: string };

export type Category = { slug: string; name: string };

export type Product = {
  id: number;
  name: string;
  slug: string;
  description: string;
  price: string;
  currency: string;
  stock: number;
  in_stock: boolean;
  category: Category | null;
  image_url: string | null;
  created_at: string;
  updated_at: string;
};

export type Page<T> = {
  count: number;
  page: number;
  page_size: number;
  num_pages: number;
  next: string | null;
  previous: string | null;
  results: T[];
};

export type Address = {
  id: number;
  full_name: string;
  line1: string;
  line2: string;
  city: string;
  state: string;
  postal_code: string;
  country: string;
  is_default: boolean;
};

export type AddressInput = Omit<Address, 'id' | 'is_default'> & { is_default?: boolean };

export type OrderItem = {
  product_id: number;
  name: string;
  unit_price: string;
  quantity: number;
  line_total: string;
};

/**
 * Where an order stands (API.md). `review`: paid, but held by the fraud check until staff approve
 * it; `cancelled`: held, then rejected by staff (stock put back, the charge refunded).
 */
export type OrderStatusValue = 'paid' | 'review' | 'delivered' | 'cancelled';

export type Order = {
  id: number;
  status: OrderStatusValue;
  /** What the buyer is told about the status in plain words; '' when the status says it all. */
  status_message: string;
  items: OrderItem[];
  subtotal: string;
  total: string;
  currency: string;
  billing_address: Omit<Address, 'id' | 'is_default'> & Partial<Pick<Address, 'id'>>;
  card: { brand: string; last4: string } | null;
  created_at: string;
  paid_at: string | null;
  delivered_at: string | null;
};

export type SavedCard = {
  id: number;
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
  created_at: string;
};

export type ShopConfig = { stripe_publishable_key: string | null; currency: string };
