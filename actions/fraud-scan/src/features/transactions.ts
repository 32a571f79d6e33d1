import { type AggregateSpec, column, type KeyPart, memoryAggregate } from './aggregates.js';
import type { FeatureProfile } from './profile.js';
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

const AGGREGATES: readonly AggregateSpec[] = [
  { name: 'cards_per_user', kind: 'distinct', key: [user], value: card },
  { name: 'users_per_card', kind: 'distinct', key: [card], value: user },
  { name: 'ips_per_user', kind: 'distinct', key: [user], value: ip },
  { name: 'users_per_ip', kind: 'distinct', key: [ip], value: user },
  { name: 'countries_per_user', kind: 'distinct', key: [user], value: country },
  { name: 'attempts_per_card_hour', kind: 'count', key: [card, hour] },
  { name: 'attempts_per_card', kind: 'count', key: [card] },
  { name: 'declines_per_card', kind: 'count', key: [card], when: isDecline },
  { name: 'attempts_per_user', kind: 'count', key: [user] },
  { name: 'declines_per_user', kind: 'count', key: [user], when: isDecline },
  { name: 'usual_country', kind: 'mode', key: [user], value: country }
];

const log1 = (n: number): number => Math.log1p(Math.max(0, n - 1));
const ratio = (part: number, whole: number): number => (whole > 0 ? part / whole : 0);

export const transactionsProfile: FeatureProfile = {
  name: 'transactions',
  // v2: a user's usual country breaks ties by name; attempts without a card count nowhere.
  version: 2,
  description: "The shop's payments_transaction table: one row per charge attempt.",
  defaultTable: 'payments_transaction',
  idColumn: 'id',
  requiredColumns: [
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
  ],
  features: [
    { name: 'amount_log', kind: 'numeric', description: 'log(1 + amount)' },
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
      name: 'months_to_expiry',
      kind: 'numeric',
      description: 'months from the attempt to the card expiry (clipped to -12..120)'
    },
    { name: 'hour_sin', kind: 'numeric', description: 'time of day (UTC), sine part' },
    { name: 'hour_cos', kind: 'numeric', description: 'time of day (UTC), cosine part' },
    {
      name: 'billing_complete',
      kind: 'numeric',
      description: 'share of city, state, postal code, country filled in'
    },
    {
      name: 'zip_matches_state',
      kind: 'numeric',
      description: "a US ZIP's region holds the state (1), not (0), unknown (0.5)"
    },
    {
      name: 'cards_per_user',
      kind: 'numeric',
      description: 'log(1 + other card fingerprints used by the same user)'
    },
    {
      name: 'users_per_card',
      kind: 'numeric',
      description: 'log(1 + other users of the same card fingerprint)'
    },
    {
      name: 'card_attempts_in_hour',
      kind: 'numeric',
      description: 'log(1 + other attempts on the same card in the same clock hour)'
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
      kind: 'numeric',
      description: 'log(1 + other client IPs of the same user)'
    },
    {
      name: 'users_per_ip',
      kind: 'numeric',
      description: 'log(1 + other users from the same client IP)'
    },
    {
      name: 'countries_per_user',
      kind: 'numeric',
      description: 'log(1 + other billing countries of the same user)'
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
    let monthsToExpiry = 0;
    let expired = 0;
    if (expMonth !== undefined && expYear !== undefined) {
      monthsToExpiry = (expYear - at.getUTCFullYear()) * 12 + (expMonth - (at.getUTCMonth() + 1));
      expired = monthsToExpiry < 0 ? 1 : 0;
    }
    const hour = (at.getUTCHours() + at.getUTCMinutes() / 60) / 24;
    const usual = agg.mode('usual_country', row);
    return {
      ok: true,
      values: [
        Math.log1p(Math.max(0, amount)),
        text(row.status).toLowerCase(),
        text(row.decline_code).toLowerCase(),
        text(row.card_brand).toLowerCase() || 'unknown',
        expired,
        Math.min(120, Math.max(-12, monthsToExpiry)),
        Math.sin(2 * Math.PI * hour),
        Math.cos(2 * Math.PI * hour),
        completeness(
          row.billing_city,
          row.billing_state,
          row.billing_postal_code,
          row.billing_country
        ),
        billingCountry === 'US' ? zipMatchesState(row.billing_postal_code, row.billing_state) : 0.5,
        log1(agg.count('cards_per_user', row)),
        log1(agg.count('users_per_card', row)),
        log1(agg.count('attempts_per_card_hour', row)),
        ratio(agg.count('declines_per_card', row), agg.count('attempts_per_card', row)),
        ratio(agg.count('declines_per_user', row), agg.count('attempts_per_user', row)),
        log1(agg.count('ips_per_user', row)),
        log1(agg.count('users_per_ip', row)),
        log1(agg.count('countries_per_user', row)),
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
