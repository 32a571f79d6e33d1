/**
 * Money arrives as decimal strings ("19.99"). Sums are done in integer cents so that
 * 0.1 + 0.2 never shows up on a receipt.
 */
export function toCents(amount: string): number {
  const match = /^(-)?(\d+)(?:\.(\d{1,2}))?$/.exec(amount.trim());
  if (!match) return Number.NaN;
  const [, sign, whole = '0', fraction = ''] = match;
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  return sign ? -cents : cents;
}

/** "1999" cents → "19.99", the API's decimal string. */
export function fromCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(Math.round(cents));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

const formatters = new Map<string, Intl.NumberFormat>();

/** "19.99", "usd" → "$19.99" in the person's locale. */
export function formatMoney(amount: string | number, currency = 'usd'): string {
  const code = currency.toUpperCase();
  let formatter = formatters.get(code);
  if (!formatter) {
    formatter = new Intl.NumberFormat(undefined, { style: 'currency', currency: code });
    formatters.set(code, formatter);
  }
  const cents = typeof amount === 'number' ? amount : toCents(amount);
  return formatter.format(cents / 100);
}

export function formatDate(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric'
  });
}
