import { createHash } from 'node:crypto';
import { type Row, text } from '../features/row.js';
import { SeededRandom } from '../numeric/rng.js';

/**
 * Seeded synthetic payments_transaction rows for tests and benchmarks that must not depend on
 * the original project's files. Normal customers buy a few times with one or two cards, from one or two
 * IPs, in their own country, mostly successfully. Fraud follows four documented patterns:
 *
 * - card_testing: one stolen card tried 8–15 times within an hour for small amounts from one
 *   IP, most attempts declined (incorrect_cvc, card_declined);
 * - card_sharing: one card used by 4–6 different accounts from one IP;
 * - account_takeover: one account suddenly uses 4–6 new cards with a foreign billing country
 *   and a new IP, for large amounts;
 * - expired_cards: attempts with cards that expired before the attempt, rejected.
 *
 * Each row carries `fraud_pattern` (empty for normal rows) so tests can measure recall; the
 * feature profile never reads it.
 */

export const TRANSACTION_COLUMNS = [
  'id',
  'created_at',
  'user_id',
  'order_id',
  'amount',
  'currency',
  'status',
  'decline_code',
  'decline_reason',
  'card_fingerprint',
  'card_brand',
  'card_last4',
  'card_exp_month',
  'card_exp_year',
  'billing_city',
  'billing_state',
  'billing_postal_code',
  'billing_country',
  'client_ip',
  'gateway',
  'gateway_reference',
  'fraud_pattern'
] as const;

/** Cities the demo data's buyers live in: city, state, ZIP. */
export const STATES: [string, string, string][] = [
  ['Austin', 'TX', '73301'],
  ['Denver', 'CO', '80202'],
  ['Chicago', 'IL', '60601'],
  ['Seattle', 'WA', '98101'],
  ['Miami', 'FL', '33101'],
  ['Boston', 'MA', '02108'],
  ['Columbus', 'OH', '43004'],
  ['Phoenix', 'AZ', '85001'],
  ['Atlanta', 'GA', '30301'],
  ['Nashville', 'TN', '37201']
];
const BRANDS = ['visa', 'visa', 'visa', 'mastercard', 'mastercard', 'amex', 'discover'];
const FOREIGN = ['GB', 'NG', 'RU', 'BR', 'VN'];

export interface SyntheticOptions {
  seed: number;
  normalUsers: number;
  /** Fraud events per pattern (each produces several rows). */
  fraudEvents: number;
  start?: Date;
  days?: number;
}

function fingerprint(seed: string): string {
  return createHash('sha256').update(seed).digest('hex');
}

/** Generate rows (ordered by time, ids 1..n). */
export function syntheticTransactions(options: SyntheticOptions): Row[] {
  const rnd = new SeededRandom(options.seed);
  const start = (options.start ?? new Date('2026-01-01T00:00:00Z')).getTime();
  const span = (options.days ?? 30) * 86_400_000;
  const rows: Row[] = [];
  const ip = (): string =>
    `${rnd.int(11, 223)}.${rnd.int(0, 255)}.${rnd.int(0, 255)}.${rnd.int(1, 254)}`;
  const card = (label: string, expired = false): Record<string, unknown> => ({
    card_fingerprint: fingerprint(`${options.seed}:${label}`),
    card_brand: rnd.pick(BRANDS),
    card_last4: String(rnd.int(0, 9999)).padStart(4, '0'),
    card_exp_month: rnd.int(1, 12),
    card_exp_year: expired ? rnd.int(2022, 2024) : rnd.int(2027, 2032)
  });
  const address = (home: [string, string, string], country = 'US'): Record<string, unknown> =>
    country === 'US'
      ? {
          billing_city: home[0],
          billing_state: home[1],
          billing_postal_code: home[2],
          billing_country: 'US'
        }
      : {
          billing_city: 'Elsewhere',
          billing_state: '',
          billing_postal_code: String(rnd.int(1000, 99999)),
          billing_country: country
        };
  const push = (r: Record<string, unknown>, at: number, status: string, code: string): void => {
    rows.push({
      ...r,
      created_at: new Date(at),
      order_id: status === 'succeeded' ? rows.length + 1 : null,
      currency: 'usd',
      status,
      decline_code: code,
      decline_reason: code ? 'Your card was declined.' : '',
      gateway: 'offline',
      gateway_reference: status === 'succeeded' ? `ch_${rows.length + 1}` : ''
    });
  };
  const amount = (lo: number, hi: number): string => (lo + rnd.next() * (hi - lo)).toFixed(2);
  const users = options.normalUsers;

  for (let u = 1; u <= users; u++) {
    const home = rnd.pick(STATES);
    const cards = [card(`u${u}c0`), ...(rnd.chance(0.3) ? [card(`u${u}c1`)] : [])];
    const ips = [ip(), ...(rnd.chance(0.4) ? [ip()] : [])];
    const purchases = rnd.int(1, 6);
    for (let k = 0; k < purchases; k++) {
      const declined = rnd.chance(0.04);
      push(
        {
          user_id: u,
          amount: amount(8, 180),
          ...rnd.pick(cards),
          ...address(home),
          client_ip: rnd.pick(ips),
          fraud_pattern: ''
        },
        start + rnd.next() * span,
        declined ? 'declined' : 'succeeded',
        declined ? 'insufficient_funds' : ''
      );
    }
  }
  for (let e = 0; e < options.fraudEvents; e++) {
    // card testing
    const t0 = start + rnd.next() * span;
    const stolen = card(`testing${e}`);
    const tip = ip();
    const tester = users + 1 + e;
    for (let k = 0, n = rnd.int(8, 15); k < n; k++) {
      const ok = rnd.chance(0.15);
      push(
        {
          user_id: tester,
          amount: amount(1, 5),
          ...stolen,
          ...address(rnd.pick(STATES)),
          client_ip: tip,
          fraud_pattern: 'card_testing'
        },
        t0 + rnd.next() * 3_000_000,
        ok ? 'succeeded' : 'declined',
        ok ? '' : rnd.pick(['incorrect_cvc', 'card_declined'])
      );
    }
    // card sharing
    const shared = card(`shared${e}`);
    const sip = ip();
    for (let k = 0, n = rnd.int(4, 6); k < n; k++) {
      push(
        {
          user_id: users + 1000 + e * 10 + k,
          amount: amount(40, 300),
          ...shared,
          ...address(rnd.pick(STATES)),
          client_ip: sip,
          fraud_pattern: 'card_sharing'
        },
        start + rnd.next() * span,
        'succeeded',
        ''
      );
    }
    // account takeover of an existing customer
    const victim = rnd.int(1, users);
    const aip = ip();
    const country = rnd.pick(FOREIGN);
    for (let k = 0, n = rnd.int(4, 6); k < n; k++) {
      push(
        {
          user_id: victim,
          amount: amount(400, 1500),
          ...card(`ato${e}c${k}`),
          ...address(STATES[0] as [string, string, string], country),
          client_ip: aip,
          fraud_pattern: 'account_takeover'
        },
        start + rnd.next() * span,
        rnd.chance(0.5) ? 'succeeded' : 'declined',
        ''
      );
    }
    // expired cards
    push(
      {
        user_id: users + 5000 + e,
        amount: amount(100, 900),
        ...card(`expired${e}`, true),
        ...address(rnd.pick(STATES)),
        client_ip: ip(),
        fraud_pattern: 'expired_cards'
      },
      start + rnd.next() * span,
      'rejected',
      'expired_card'
    );
  }
  for (const r of rows)
    if (r.decline_code === '' && r.status === 'declined') r.decline_code = 'card_declined';
  rows.sort((a, b) => (a.created_at as Date).getTime() - (b.created_at as Date).getTime());
  rows.forEach((r, i) => (r.id = i + 1));
  return rows;
}

/** Rows as CSV text (RFC 4180 quoting), columns in TRANSACTION_COLUMNS order unless given. */
export function toCsv(
  rows: readonly Row[],
  columns: readonly string[] = TRANSACTION_COLUMNS
): string {
  const cell = (v: unknown): string => {
    if (v === null || v === undefined) return '';
    const s = text(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return `${[columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\n')}\n`;
}
