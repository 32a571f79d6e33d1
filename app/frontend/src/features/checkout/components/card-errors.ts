import type { ApiError, FieldErrors } from '@/lib/api-error';

export type CardFieldName = 'number' | 'expiry' | 'cvc' | 'name';

const FIELD_ALIASES: Record<string, CardFieldName> = {
  number: 'number',
  exp_month: 'expiry',
  exp_year: 'expiry',
  expiry: 'expiry',
  cvc: 'cvc',
  name: 'name'
};

/** A decline code that is about one field puts its message on that field too. */
const DECLINE_FIELDS: Record<string, CardFieldName> = {
  incorrect_number: 'number',
  invalid_number: 'number',
  invalid_expiry: 'expiry',
  invalid_expiry_month: 'expiry',
  invalid_expiry_year: 'expiry',
  expired_card: 'expiry',
  incorrect_cvc: 'cvc',
  invalid_cvc: 'cvc'
};

/**
 * Where each card error belongs. API.md names nested fields with dots; a card field may come
 * back as `payment.card.number`, `card.number` or `number`, so all three are accepted.
 */
export function cardFieldErrors(fields: FieldErrors): Partial<Record<CardFieldName, string[]>> {
  const out: Partial<Record<CardFieldName, string[]>> = {};
  for (const [key, messages] of Object.entries(fields)) {
    const short = key.replace(/^payment\./, '').replace(/^card\./, '');
    const field = FIELD_ALIASES[short];
    if (field && (key === short || key.startsWith('payment.') || key.startsWith('card.'))) {
      // exp_month and exp_year often carry the same message ("in the past"): show it once.
      out[field] = [...new Set([...(out[field] ?? []), ...messages])];
    }
  }
  return out;
}

export function declineField(error: ApiError): CardFieldName | null {
  const code = error.extra.decline_code;
  return typeof code === 'string' ? (DECLINE_FIELDS[code] ?? null) : null;
}

/** "12/30", "12 / 2030", "1230" → {month: 12, year: 2030}; null when it is not a date. */
export function parseExpiry(value: string): { month: number; year: number } | null {
  const match = /^\s*(\d{1,2})\s*(?:\/|-|\s)?\s*(\d{2}|\d{4})\s*$/.exec(value);
  if (!match) return null;
  const month = Number(match[1]);
  const rawYear = match[2] ?? '';
  const year = rawYear.length === 2 ? 2000 + Number(rawYear) : Number(rawYear);
  return { month, year };
}

/** Groups digits in fours as they are typed ("4242 4242 4242 4242"), keeping at most 19 digits. */
export function formatCardNumber(value: string): string {
  return value
    .replace(/\D/g, '')
    .slice(0, 19)
    .replace(/(\d{4})(?=\d)/g, '$1 ');
}
