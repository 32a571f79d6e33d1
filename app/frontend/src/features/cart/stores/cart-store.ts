import { useSyncExternalStore } from 'react';
import { fromCents, toCents } from '@/utils/money';

/** What the cart remembers of a product: enough to draw the cart without asking the API. */
export type CartLine = {
  productId: number;
  name: string;
  price: string;
  currency: string;
  imageUrl: string | null;
  stock: number;
  quantity: number;
};

/*
 * The stored cart is checked by hand, not with Zod as the forms are: the cart is on the first
 * page, and zod's core was about 12 kB gzip of that page's JavaScript budget
 * (docs/benchmarks.md, Storefront).
 */
const isWhole = (value: unknown, least: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= least;

function toCartLine(value: unknown): CartLine | null {
  if (typeof value !== 'object' || value === null) return null;
  const line = value as Record<string, unknown>;
  const currency = line.currency ?? 'usd';
  const imageUrl = line.imageUrl ?? null;
  if (
    !isWhole(line.productId, 1) ||
    typeof line.name !== 'string' ||
    typeof line.price !== 'string' ||
    typeof currency !== 'string' ||
    (imageUrl !== null && typeof imageUrl !== 'string') ||
    !isWhole(line.stock, 0) ||
    !isWhole(line.quantity, 1)
  ) {
    return null;
  }
  return {
    productId: line.productId,
    name: line.name,
    price: line.price,
    currency,
    imageUrl,
    stock: line.stock,
    quantity: line.quantity
  };
}

/** The lines of a stored cart ({version: 1, lines}), or null when any part of it is not one. */
function parseStoredCart(value: unknown): CartLine[] | null {
  if (typeof value !== 'object' || value === null) return null;
  const stored = value as Record<string, unknown>;
  if (stored.version !== 1 || !Array.isArray(stored.lines)) return null;
  const lines = stored.lines.map(toCartLine);
  return lines.every((line) => line !== null) ? (lines as CartLine[]) : null;
}

export const CART_STORAGE_KEY = 'brightcart.cart';

/** The most of one product a single order may ask for, whatever the stock. */
export const MAX_PER_LINE = 20;

type Listener = () => void;

/**
 * The cart: a list of lines persisted to localStorage on every change, so it survives reloads
 * and a failed or declined checkout. A stored cart that does not parse (an older format, a
 * hand-edited value) is dropped rather than crashing the page. Other tabs' changes arrive via
 * the `storage` event.
 */
export function createCartStore(storage: Storage = localStorage) {
  const listeners = new Set<Listener>();
  let lines: CartLine[] = read();

  function read(): CartLine[] {
    try {
      const raw = storage.getItem(CART_STORAGE_KEY);
      if (!raw) return [];
      return parseStoredCart(JSON.parse(raw)) ?? [];
    } catch {
      return [];
    }
  }

  function commit(next: CartLine[]): void {
    lines = next;
    storage.setItem(CART_STORAGE_KEY, JSON.stringify({ version: 1, lines }));
    listeners.forEach((listener) => listener());
  }

  const clamp = (quantity: number, stock: number) =>
    Math.max(0, Math.min(Math.floor(quantity), stock, MAX_PER_LINE));

  return {
    getLines: (): CartLine[] => lines,

    /** Adds `quantity` of a product (capped at its stock); returns the line's new quantity. */
    add(product: Omit<CartLine, 'quantity'>, quantity = 1): number {
      const existing = lines.find((line) => line.productId === product.productId);
      const wanted = (existing?.quantity ?? 0) + quantity;
      const next = clamp(wanted, product.stock);
      if (next <= 0) return existing?.quantity ?? 0;
      commit(
        existing
          ? lines.map((line) =>
              line.productId === product.productId ? { ...line, ...product, quantity: next } : line
            )
          : [...lines, { ...product, quantity: next }]
      );
      return next;
    },

    setQuantity(productId: number, quantity: number): void {
      const line = lines.find((l) => l.productId === productId);
      if (!line) return;
      const next = clamp(quantity, line.stock);
      commit(
        next <= 0
          ? lines.filter((l) => l.productId !== productId)
          : lines.map((l) => (l.productId === productId ? { ...l, quantity: next } : l))
      );
    },

    remove(productId: number): void {
      commit(lines.filter((line) => line.productId !== productId));
    },

    clear(): void {
      commit([]);
    },

    /** Re-reads storage (another tab changed it). */
    reload(): void {
      lines = read();
      listeners.forEach((listener) => listener());
    },

    subscribe(listener: Listener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    }
  };
}

export type CartStore = ReturnType<typeof createCartStore>;

export const cartStore = createCartStore();

if (typeof window !== 'undefined') {
  window.addEventListener('storage', (event) => {
    if (event.key === CART_STORAGE_KEY) cartStore.reload();
  });
}

/** Number of items and the subtotal (as the API's decimal string) of a list of lines. */
export function summarize(lines: CartLine[]): {
  count: number;
  subtotal: string;
  currency: string;
} {
  const cents = lines.reduce((sum, line) => sum + toCents(line.price) * line.quantity, 0);
  return {
    count: lines.reduce((sum, line) => sum + line.quantity, 0),
    subtotal: fromCents(cents),
    currency: lines[0]?.currency ?? 'usd'
  };
}

/** The cart's lines, re-rendering on every change. */
export function useCart(store: CartStore = cartStore) {
  const lines = useSyncExternalStore(store.subscribe, store.getLines);
  return { lines, ...summarize(lines), store };
}
