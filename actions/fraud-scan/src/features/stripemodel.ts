import { type AggregateSpec, column, memoryAggregate } from './aggregates.js';
import { countBucket, type FeatureProfile } from './profile.js';
import { finiteNumber, text } from './row.js';
import {
  cityMatchesState,
  completeness,
  isUnitedStates,
  postalCodeWellFormed,
  zipMatchesState
} from './address.js';
import { cardBrand, cardDigits, luhnValid } from './card.js';

/**
 * The original project's account_stripemodel table (a saved card per row: number, expiry, the holder's
 * name, email and billing address). It has no time, amount or IP, so its signals are the
 * card's own validity, the holder data's consistency and how cards, users and names relate.
 */

const user = column('user_id');
const AGGREGATES: readonly AggregateSpec[] = [
  { name: 'cards_per_user', kind: 'count', key: [user] },
  {
    name: 'users_per_name',
    kind: 'distinct',
    key: [column('name_on_card', 'lower')],
    value: user
  },
  {
    name: 'users_per_card',
    kind: 'distinct',
    // cardDigits: spaces and dashes dropped.
    key: [
      {
        js: (row) => cardDigits(row.card_number),
        pg: `NULLIF(regexp_replace(trim(CAST("card_number" AS TEXT)), '[[:space:]-]', '', 'g'), '')`,
        // SQLite has no regexp_replace: every character /\s/ matches that a card field could hold.
        sqlite: `NULLIF(replace(replace(replace(replace(replace(trim(CAST("card_number" AS TEXT)), ' ', ''), '-', ''), char(9), ''), char(10), ''), char(13), ''), '')`
      }
    ],
    value: user
  }
];

/** 1 when the email's local part carries the holder's surname, 0.5 the first name only, 0 neither. */
export function nameInEmail(name: unknown, email: unknown): number {
  const local =
    text(email)
      .split('@')[0]
      ?.toLowerCase()
      .replace(/[^a-z]/g, '') ?? '';
  const parts = text(name)
    .toLowerCase()
    .split(/\s+/)
    .map((p) => p.replace(/[^a-z]/g, ''))
    .filter((p) => p.length > 1);
  if (local === '' || parts.length === 0) return 0;
  const surname = parts[parts.length - 1] as string;
  if (parts.length > 1 && local.includes(surname)) return 1;
  return local.includes(parts[0] as string) ? 0.5 : 0;
}

export const stripemodelProfile: FeatureProfile = {
  name: 'stripemodel',
  // v2: the counts as categories (a count no training row reached is its own scoring unit).
  version: 2,
  description:
    "The original project's account_stripemodel table: saved cards with holder and billing data.",
  defaultTable: 'account_stripemodel',
  idColumn: 'id',
  requiredColumns: [
    'id',
    'user_id',
    'card_number',
    'exp_month',
    'exp_year',
    'email',
    'name_on_card',
    'address_city',
    'address_state',
    'address_zip',
    'address_country'
  ],
  features: [
    {
      name: 'card_luhn_valid',
      kind: 'binary',
      description: 'the card number passes the Luhn check'
    },
    {
      name: 'card_brand_length_fits',
      kind: 'binary',
      description:
        "the number's issuer range is a known network and its length is one that network issues"
    },
    {
      name: 'card_brand',
      kind: 'categorical',
      description: 'network from the issuer range (visa, mastercard, amex, ...)'
    },
    { name: 'exp_month_valid', kind: 'binary', description: 'expiry month is 1–12' },
    {
      name: 'name_in_email',
      kind: 'numeric',
      description:
        "the email's local part carries the holder's surname (1), first name only (0.5) or neither (0)"
    },
    {
      name: 'address_complete',
      kind: 'numeric',
      description: 'share of city, state, ZIP and country filled in'
    },
    {
      name: 'postal_code_well_formed',
      kind: 'binary',
      description: 'ZIP is 5 digits / ZIP+4 in the US, plausible elsewhere'
    },
    {
      name: 'zip_matches_state',
      kind: 'numeric',
      description: "the ZIP's postal region holds the state (1), not (0), unknown (0.5)"
    },
    {
      name: 'city_matches_state',
      kind: 'numeric',
      description: 'a known large city is in the given state (1), another (0), unknown (0.5)'
    },
    { name: 'country_us', kind: 'binary', description: 'billing country is the United States' },
    {
      name: 'cards_per_user',
      kind: 'categorical',
      description: 'cards on the same user, with this one (countBucket)'
    },
    {
      name: 'users_per_name',
      kind: 'categorical',
      description: 'users with the same name on card, with this one (countBucket)'
    },
    {
      name: 'users_per_card',
      kind: 'categorical',
      description: 'users with the same card number, with this one (countBucket)'
    }
  ],
  aggregates: AGGREGATES,
  newAggregate: () => memoryAggregate(AGGREGATES),
  extract(row, agg) {
    const number = cardDigits(row.card_number);
    if (number === '') return { ok: false, reason: 'card_number is empty' };
    if (!/^\d+$/.test(number)) return { ok: false, reason: 'card_number is not numeric' };
    const month = finiteNumber(row.exp_month);
    if (month === undefined) return { ok: false, reason: 'exp_month is not a finite number' };
    if (finiteNumber(row.exp_year) === undefined) {
      return { ok: false, reason: 'exp_year is not a finite number' };
    }
    if (text(row.user_id) === '') return { ok: false, reason: 'user_id is empty' };
    const brand = cardBrand(number);
    return {
      ok: true,
      values: [
        luhnValid(number) ? 1 : 0,
        brand.lengthFits ? 1 : 0,
        brand.brand,
        month >= 1 && month <= 12 ? 1 : 0,
        nameInEmail(row.name_on_card, row.email),
        completeness(row.address_city, row.address_state, row.address_zip, row.address_country),
        postalCodeWellFormed(row.address_zip, row.address_country),
        zipMatchesState(row.address_zip, row.address_state),
        cityMatchesState(row.address_city, row.address_state),
        isUnitedStates(row.address_country) ? 1 : 0,
        countBucket(agg.count('cards_per_user', row)),
        countBucket(agg.count('users_per_name', row)),
        countBucket(agg.count('users_per_card', row))
      ]
    };
  },
  publicFields(row) {
    const number = cardDigits(row.card_number);
    return {
      id: text(row.id),
      user_id: text(row.user_id),
      card_last4: number.slice(-4),
      card_brand: cardBrand(number).brand,
      billing_state: text(row.address_state),
      billing_country: text(row.address_country)
    };
  }
};
