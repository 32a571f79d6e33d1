import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { api } from '@/lib/api-client';
import type { Order } from '@/types/api';

/** A new billing address, checked before it is sent. */
export const addressSchema = z.object({
  full_name: z.string().trim().min(1, 'Enter the name on the address.'),
  line1: z.string().trim().min(1, 'Enter the street address.'),
  line2: z.string().trim(),
  city: z.string().trim().min(1, 'Enter the city.'),
  state: z.string().trim(),
  postal_code: z.string().trim().min(1, 'Enter the postal code.'),
  country: z.string().regex(/^[A-Z]{2}$/, 'Choose a country.')
});

/** A card for the offline test gateway, checked before it is sent (the server checks Luhn and expiry). */
export const cardSchema = z.object({
  number: z
    .string()
    .transform((value) => value.replace(/[\s-]/g, ''))
    .pipe(z.string().regex(/^\d{12,19}$/, 'Enter the card number (12 to 19 digits).')),
  exp_month: z
    .number({ error: 'Enter the expiry as MM/YY.' })
    .int()
    .min(1, 'Enter a month from 01 to 12.')
    .max(12, 'Enter a month from 01 to 12.'),
  exp_year: z
    .number({ error: 'Enter the expiry as MM/YY.' })
    .int()
    .min(2000, 'Enter the expiry as MM/YY.'),
  cvc: z.string().regex(/^\d{3,4}$/, 'Enter the 3 or 4 digit security code.'),
  name: z.string().trim().min(1, 'Enter the name on the card.')
});

/** The checkout body API.md describes: exactly one billing choice and one payment choice. */
export const checkoutInputSchema = z.object({
  items: z
    .array(
      z.object({ product_id: z.number().int().positive(), quantity: z.number().int().positive() })
    )
    .min(1, 'Your cart is empty.'),
  billing: z.union([
    z.object({ billing_address_id: z.number().int().positive() }),
    z.object({ billing_address: addressSchema })
  ]),
  payment: z.union([
    z.object({ card: cardSchema }),
    z.object({ payment_method_id: z.string().startsWith('pm_') }),
    z.object({ saved_card_id: z.number().int().positive() })
  ]),
  save_card: z.boolean()
});

export type CheckoutInput = z.infer<typeof checkoutInputSchema>;

/**
 * A new Idempotency-Key: one per checkout attempt (API.md), kept for that attempt's retries. A
 * random UUID v4 from getRandomValues: crypto.randomUUID exists only in secure contexts, and a
 * shop without a certificate is served over plain HTTP.
 */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export async function createOrder({
  input: { billing, ...rest },
  idempotencyKey
}: {
  input: CheckoutInput;
  idempotencyKey: string;
}): Promise<Order> {
  const { data } = await api.post<Order>(
    '/orders/',
    { ...rest, ...billing },
    { headers: { 'Idempotency-Key': idempotencyKey } }
  );
  return data;
}

export function useCreateOrder() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createOrder,
    onSuccess: (order) => {
      queryClient.setQueryData(['orders', 'detail', order.id], order);
      // Stock changed and a new order exists; a newly saved card may have appeared.
      return Promise.all([
        queryClient.invalidateQueries({ queryKey: ['orders'] }),
        queryClient.invalidateQueries({ queryKey: ['products'] }),
        queryClient.invalidateQueries({ queryKey: ['cards'] })
      ]);
    }
  });
}
