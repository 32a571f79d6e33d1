/**
 * Tables whose awkward rows (blank and padded keys, NULLs, mixed case, ties for a user's usual
 * country, timestamps that are not) make the two ways of computing aggregates — in memory and
 * in the database — disagree if their rules differ.
 */
import type { Row } from '../../src/features/row.js';
import { syntheticTransactions } from '../../src/research/synthetic.js';

/** Synthetic rows plus the awkward ones, ids continuing after them. */
export function transactionRows(): Row[] {
  const rows = syntheticTransactions({ seed: 11, normalUsers: 120, fraudEvents: 3 });
  const base = rows[0] as Row;
  const at = (h: number) => new Date(Date.UTC(2026, 0, 20, h, 15));
  const odd: Row[] = [
    // A card fingerprint that is blank or only spaces counts for no card aggregate.
    { ...base, user_id: 9001, card_fingerprint: '', created_at: at(1) },
    { ...base, user_id: 9001, card_fingerprint: '   ', created_at: at(1) },
    { ...base, user_id: 9001, card_fingerprint: ' padded ', created_at: at(2) },
    { ...base, user_id: 9002, card_fingerprint: 'padded', created_at: at(2) },
    // No user: no user aggregate, but the card's still count.
    { ...base, user_id: null, card_fingerprint: 'padded', created_at: at(2) },
    // A tie for the usual country (one US, one CA): the smaller name, CA, wins both ways.
    { ...base, user_id: 9003, billing_country: 'US', created_at: at(3) },
    { ...base, user_id: 9003, billing_country: 'ca', created_at: at(4) },
    { ...base, user_id: 9004, billing_country: ' gb', status: ' Declined ', created_at: at(5) },
    { ...base, user_id: 9004, billing_country: null, status: null, created_at: at(6) },
    // Not timestamps: unusable rows in both forms, and no hour key.
    { ...base, user_id: 9005, created_at: null },
    { ...base, user_id: 9005, created_at: 'infinity' }
  ];
  return [...rows, ...odd].map((r, i) => ({ ...r, id: i + 1 }));
}

export const STRIPEMODEL_COLUMNS = [
  'id',
  'user_id',
  'card_number',
  'exp_month',
  'exp_year',
  'name_on_card',
  'email',
  'address_city',
  'address_state',
  'address_zip',
  'address_country',
  'n',
  'v'
];

export function stripemodelRows(): Row[] {
  const names = ['Ada Lovelace', 'ADA LOVELACE ', 'Alan Turing', 'Grace Hopper', ''];
  const cards = [
    '4242 4242 4242 4242',
    '4242-4242-4242-4242',
    '4242424242424242',
    '5555555555554444',
    ''
  ];
  return Array.from({ length: 60 }, (_, i) => ({
    id: i + 1,
    user_id: i % 7 === 0 ? null : 100 + (i % 9),
    card_number: cards[i % cards.length],
    exp_month: 1 + (i % 12),
    exp_year: 2030,
    name_on_card: names[i % names.length],
    email: `user${i}@example.com`,
    address_city: 'Austin',
    address_state: 'TX',
    address_zip: '73301',
    address_country: 'US',
    // Columns named like the query's own aliases must not confuse it.
    n: i,
    v: 'x'
  }));
}
