import { type AggregateSpec, column, type KeyPart, memoryAggregate } from './aggregates.js';
import { countBucket, type FeatureProfile, integerText, matchText } from './profile.js';
import type { Row } from './row.js';
import { finiteNumber, text } from './row.js';
import { completeness, zipMatchesState } from './address.js';

/**
 * The shop's payments_transaction table (app/backend/API.md): one row per charge attempt. Its
 * signals are velocity and cross-account ones — card testing (many attempts and declines on
 * one card in an hour), one card shared by many accounts, one account trying many cards, IPs
 * and billing countries that do not fit the account's history — plus the attempt's own
 * amount, outcome, expiry and address consistency.
 */

const HOUR_MS = 3_600_000;

function timestamp(value: unknown): number | undefined {
  if (value instanceof Date) return Number.isFinite(value.getTime()) ? value.getTime() : undefined;
  const raw = text(value);
  if (raw === '') return undefined;
  const ms = Date.parse(raw);
  return Number.isFinite(ms) ? ms : undefined;
}

function declined(row: Row): boolean {
  const status = text(row.status).toLowerCase();
  return status !== '' && status !== 'succeeded';
}

const user = column('user_id');
const card = column('card_fingerprint');
const ip = column('client_ip');
const country = column('billing_country', 'upper');
/** The attempt's clock hour (UTC), as hours since the epoch. */
const hour: KeyPart = {
  js(row) {
    const ms = timestamp(row.created_at);
    return ms === undefined ? '' : String(Math.floor(ms / HOUR_MS));
  },
  // A text column casts too; 'infinity' stays a key of its own, and extract() rejects the row.
  pg: `floor(extract(epoch FROM "created_at"::timestamptz) / 3600)::text`,
  // Django keeps SQLite datetimes as ISO 8601 text in UTC, which strftime reads.
  sqlite: `CAST(CAST(strftime('%s', "created_at") AS INTEGER) / 3600 AS TEXT)`
};
const isDecline = {
  js: declined,
  pg: `coalesce(lower(trim(CAST("status" AS TEXT))), '') NOT IN ('', 'succeeded')`,
  sqlite: `coalesce(lower(trim(CAST("status" AS TEXT))), '') NOT IN ('', 'succeeded')`
};

// Each with where the shop's running counts keep it (features/tallies.ts): fraud_key_tally
// kinds 0 user, 1 card, 2 IP; fraud_pair_tally kinds 2 user × country, 3 card × clock hour.
const AGGREGATES: readonly AggregateSpec[] = [
  {
    name: 'cards_per_user',
    kind: 'distinct',
    key: [user],
    value: card,
    tally: { table: 'key', kind: 0, column: 'distinct_a' }
  },
  {
    name: 'users_per_card',
    kind: 'distinct',
    key: [card],
    value: user,
    tally: { table: 'key', kind: 1, column: 'distinct_a' }
  },
  {
    name: 'ips_per_user',
    kind: 'distinct',
    key: [user],
    value: ip,
    tally: { table: 'key', kind: 0, column: 'distinct_b' }
  },
  {
    name: 'users_per_ip',
    kind: 'distinct',
    key: [ip],
    value: user,
    tally: { table: 'key', kind: 2, column: 'distinct_a' }
  },
  {
    name: 'countries_per_user',
    kind: 'distinct',
    key: [user],
    value: country,
    tally: { table: 'pairs', kind: 2, of: 'count' }
  },
  {
    name: 'attempts_per_card_hour',
    kind: 'count',
    key: [card, hour],
    tally: { table: 'pair', kind: 3 }
  },
  {
    name: 'attempts_per_card',
    kind: 'count',
    key: [card],
    tally: { table: 'key', kind: 1, column: 'attempts' }
  },
  {
    name: 'declines_per_card',
    kind: 'count',
    key: [card],
    when: isDecline,
    tally: { table: 'key', kind: 1, column: 'declines' }
  },
  {
    name: 'attempts_per_user',
    kind: 'count',
    key: [user],
    tally: { table: 'key', kind: 0, column: 'attempts' }
  },
  {
    name: 'declines_per_user',
    kind: 'count',
    key: [user],
    when: isDecline,
    tally: { table: 'key', kind: 0, column: 'declines' }
  },
  {
    name: 'usual_country',
    kind: 'mode',
    key: [user],
    value: country,
    tally: { table: 'pairs', kind: 2, of: 'mode' }
  }
];

const ratio = (part: number, whole: number): number => (whole > 0 ? part / whole : 0);

/**
 * The amount's power-of-two band: 5 for 32 ≤ amount < 64, -7 for 0.01 ("zero" for 0 or less).
 * An amount three times any seen, or a few cents where nobody pays less than five dollars, lands
 * in a band no training row has; the network extrapolates log(amount) and would reconstruct it.
 * Halving and doubling are exact in floating point, so the backend's port gives the same band.
 */
export function amountBand(amount: number): string {
  if (!(amount > 0)) return 'zero';
  let band = 0;
  let v = amount;
  while (v >= 2) {
    v /= 2;
    band++;
  }
  while (v < 1) {
    v *= 2;
    band--;
  }
  return integerText(band);
}

/**
 * Whole years from the attempt to the card's expiry, as a category: "expired" before it,
 * "none" without an expiry, capped at "30+" (a year such as 9999 is one more unseen value). A
 * number clipped at 10 years hid every expiry beyond that; a category no issued card had
 * (15 years out) is a value training never saw.
 */
export function yearsToExpiry(monthsToExpiry: number | undefined): string {
  if (monthsToExpiry === undefined) return 'none';
  if (monthsToExpiry < 0) return 'expired';
  const years = Math.floor(monthsToExpiry / 12);
  return years >= 30 ? '30+' : String(years);
}

/**
 * The outcome and its decline code disagree: a success carrying a decline code, or a decline
 * without one. Every gateway response keeps this rule, so a row breaking it is impossible in
 * one place — as two categories, the network never learned the pair apart.
 */
export function outcomeMismatch(status: string, declineCode: string): number {
  if (status === 'succeeded') return declineCode === '' ? 0 : 1;
  if (status === 'declined') return declineCode === '' ? 1 : 0;
  return 0;
}

const REQUIRED_COLUMNS = [
  'id',
  'created_at',
  'user_id',
  'amount',
  'status',
  'decline_code',
  'card_fingerprint',
  'card_brand',
  'card_last4',
  'card_exp_month',
  'card_exp_year',
  'billing_city',
  'billing_state',
  'billing_postal_code',
  'billing_country',
  'client_ip'
];

export const transactionsProfile: FeatureProfile = {
  name: 'transactions',
  // v2: a user's usual country breaks ties by name; attempts without a card count nowhere.
  // v3: the hour, the years to expiry and the per-account/IP counts as categories (a value
  // training never saw is its own scoring unit); outcome_mismatch.
  version: 3,
  description: "The shop's payments_transaction table: one row per charge attempt.",
  defaultTable: 'payments_transaction',
  idColumn: 'id',
  requiredColumns: REQUIRED_COLUMNS,
  // The currency appears in reports and issues (publicFields). The shop's table has more: its
  // order, gateway and stored score columns, which the scan never reads (on a 1,000,000-row
  // scan, decoding cells was the largest cost on the scan's side).
  columnsRead: [...REQUIRED_COLUMNS, 'currency'],
  features: [
    { name: 'amount_log', kind: 'numeric', description: 'log(1 + amount)' },
    {
      name: 'amount_band',
      kind: 'categorical',
      description: 'the power-of-two band of the amount (amountBand)'
    },
    { name: 'status', kind: 'categorical', description: 'succeeded, declined, rejected or error' },
    {
      name: 'decline_code',
      kind: 'categorical',
      description: 'the gateway decline code (empty when none)'
    },
    { name: 'card_brand', kind: 'categorical', description: 'card network' },
    {
      name: 'card_expired',
      kind: 'binary',
      description: 'the card had expired when the attempt was made'
    },
    {
      name: 'outcome_mismatch',
      kind: 'binary',
      description: 'a success with a decline code, or a decline without one'
    },
    {
      name: 'years_to_expiry',
      kind: 'categorical',
      description: 'whole years from the attempt to the card expiry (expired, none, 0..29, 30+)'
    },
    { name: 'hour_of_day', kind: 'categorical', description: 'the clock hour (UTC), 0..23' },
    {
      name: 'billing_complete',
      kind: 'categorical',
      description: 'how many of city, state, postal code, country are filled in (0..4)'
    },
    {
      name: 'zip_matches_state',
      kind: 'categorical',
      description: "a US ZIP's region holds the state: match, mismatch or unknown (matchText)"
    },
    {
      name: 'cards_per_user',
      kind: 'categorical',
      description: 'card fingerprints used by the same user, with this one (countBucket)'
    },
    {
      name: 'users_per_card',
      kind: 'categorical',
      description: 'users of the same card fingerprint, with this one (countBucket)'
    },
    {
      name: 'card_attempts_in_hour',
      kind: 'categorical',
      description: 'attempts on the same card in the same clock hour, with this one (countBucket)'
    },
    {
      name: 'card_decline_ratio',
      kind: 'numeric',
      description: "share of the card's attempts that were not successful"
    },
    {
      name: 'user_decline_ratio',
      kind: 'numeric',
      description: "share of the user's attempts that were not successful"
    },
    {
      name: 'ips_per_user',
      kind: 'categorical',
      description: 'client IPs of the same user, with this one (countBucket)'
    },
    {
      name: 'users_per_ip',
      kind: 'categorical',
      description: 'users from the same client IP, with this one (countBucket)'
    },
    {
      name: 'countries_per_user',
      kind: 'categorical',
      description: 'billing countries of the same user, with this one (countBucket)'
    },
    {
      name: 'country_mismatch',
      kind: 'binary',
      description: "billing country differs from the user's usual one"
    }
  ],
  aggregates: AGGREGATES,
  // Trained on the shop's own table, which holds whatever fraud happened: capped, the 30
  // attempts of a card-testing burst in the backend's demo data are all flagged; uncapped,
  // none are (actions/fraud-scan/__tests__/shop-table.test.ts).
  trainingCap: { aggregate: 'attempts_per_user', rows: 5 },
  newAggregate: () => memoryAggregate(AGGREGATES),
  extract(row, agg) {
    const amount = finiteNumber(row.amount);
    if (amount === undefined) return { ok: false, reason: 'amount is not a finite number' };
    const ms = timestamp(row.created_at);
    if (ms === undefined) return { ok: false, reason: 'created_at is not a timestamp' };
    const billingCountry = country.js(row);
    const at = new Date(ms);
    const expMonth = finiteNumber(row.card_exp_month);
    const expYear = finiteNumber(row.card_exp_year);
    let monthsToExpiry: number | undefined;
    if (expMonth !== undefined && expYear !== undefined) {
      monthsToExpiry = (expYear - at.getUTCFullYear()) * 12 + (expMonth - (at.getUTCMonth() + 1));
    }
    const status = text(row.status).toLowerCase();
    const declineCode = text(row.decline_code).toLowerCase();
    const usual = agg.mode('usual_country', row);
    return {
      ok: true,
      values: [
        Math.log1p(Math.max(0, amount)),
        amountBand(amount),
        status,
        declineCode,
        text(row.card_brand).toLowerCase() || 'unknown',
        monthsToExpiry !== undefined && monthsToExpiry < 0 ? 1 : 0,
        outcomeMismatch(status, declineCode),
        yearsToExpiry(monthsToExpiry),
        integerText(at.getUTCHours()),
        integerText(
          4 *
            completeness(
              row.billing_city,
              row.billing_state,
              row.billing_postal_code,
              row.billing_country
            )
        ),
        matchText(
          billingCountry === 'US'
            ? zipMatchesState(row.billing_postal_code, row.billing_state)
            : 0.5
        ),
        countBucket(agg.count('cards_per_user', row)),
        countBucket(agg.count('users_per_card', row)),
        countBucket(agg.count('attempts_per_card_hour', row)),
        ratio(agg.count('declines_per_card', row), agg.count('attempts_per_card', row)),
        ratio(agg.count('declines_per_user', row), agg.count('attempts_per_user', row)),
        countBucket(agg.count('ips_per_user', row)),
        countBucket(agg.count('users_per_ip', row)),
        countBucket(agg.count('countries_per_user', row)),
        usual !== '' && billingCountry !== '' && billingCountry !== usual ? 1 : 0
      ]
    };
  },
  publicFields(row) {
    return {
      id: text(row.id),
      created_at:
        row.created_at instanceof Date ? row.created_at.toISOString() : text(row.created_at),
      user_id: text(row.user_id),
      amount: text(row.amount),
      currency: text(row.currency),
      status: text(row.status),
      decline_code: text(row.decline_code),
      card_brand: text(row.card_brand),
      card_last4: text(row.card_last4).slice(-4),
      card_fingerprint: text(row.card_fingerprint).slice(0, 8),
      billing_country: text(row.billing_country)
    };
  }
};
