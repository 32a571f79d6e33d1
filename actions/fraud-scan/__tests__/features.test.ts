import { describe, expect, it } from '@jest/globals';
import {
  cityMatchesState,
  postalCodeWellFormed,
  zipMatchesState
} from '../src/features/address.js';
import { cardBrand, luhnValid } from '../src/features/card.js';
import { nameInEmail, stripemodelProfile } from '../src/features/stripemodel.js';
import {
  amountBand,
  outcomeMismatch,
  transactionsProfile,
  yearsToExpiry
} from '../src/features/transactions.js';
import { countBucket, matchText } from '../src/features/profile.js';
import { encodeRows, encodedWidth, fitPreprocessing } from '../src/model/preprocessing.js';
import { syntheticTransactions } from '../src/research/synthetic.js';
import type { Row } from '../src/features/row.js';

describe('card number checks', () => {
  it('Luhn accepts Stripe test numbers and rejects a changed digit and non-digits', () => {
    expect(luhnValid('4242424242424242')).toBe(true);
    expect(luhnValid('5105105105105100')).toBe(true);
    expect(luhnValid('4242424242424241')).toBe(false);
    expect(luhnValid('4242abcd42424242')).toBe(false);
    expect(luhnValid('42')).toBe(false);
  });
  it('names the network from the issuer range and checks the length', () => {
    expect(cardBrand('4242424242424242')).toEqual({ brand: 'visa', lengthFits: true });
    expect(cardBrand('378282246310005')).toEqual({ brand: 'amex', lengthFits: true });
    expect(cardBrand('3782822463100051')).toEqual({ brand: 'amex', lengthFits: false });
    expect(cardBrand('2223003122003222')).toEqual({ brand: 'mastercard', lengthFits: true });
    expect(cardBrand('8722583177934195').brand).toBe('unknown');
  });
});

describe('address consistency', () => {
  it('ZIP region against state: match, mismatch, unknown', () => {
    expect(zipMatchesState('73301', 'Texas')).toBe(1);
    expect(zipMatchesState('10435', 'Alaska')).toBe(0);
    expect(zipMatchesState('', 'Texas')).toBe(0.5);
  });
  it('known city against state', () => {
    expect(cityMatchesState('Chicago', 'Illinois')).toBe(1);
    expect(cityMatchesState('Chicago', 'New York')).toBe(0);
    expect(cityMatchesState('West Courtneymouth', 'Alaska')).toBe(0.5);
  });
  it("a buyer's state or city named like an object's member is unknown, as in the backend's port", () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(zipMatchesState('73301', name)).toBe(0.5);
      expect(cityMatchesState(name, 'Texas')).toBe(0.5);
      expect(cityMatchesState('Chicago', name)).toBe(0.5);
    }
    expect(zipMatchesState('73301', 'tx')).toBe(1);
    expect(zipMatchesState('73301', 'zz')).toBe(0.5);
  });
  it('postal code format by country', () => {
    expect(postalCodeWellFormed('02108', 'USA')).toBe(1);
    expect(postalCodeWellFormed('111111', 'USA')).toBe(0);
    expect(postalCodeWellFormed('SW1A 1AA', 'GB')).toBe(1);
  });
  it('name in email: surname, first name only, neither', () => {
    expect(nameInEmail('Walter Barry', 'wbarry7576@example.com')).toBe(1);
    expect(nameInEmail('Linda Miller', 'linda4775@example.com')).toBe(0.5);
    expect(nameInEmail('Linda Miller', 'x9@example.com')).toBe(0);
  });
});

describe('stripemodel profile', () => {
  const row = (over: Partial<Row>): Row => ({
    id: 1,
    user_id: 7,
    card_number: '4242424242424242',
    exp_month: '08',
    exp_year: '2030',
    email: 'ylovelace@example.com',
    name_on_card: 'Ada Lovelace',
    address_city: 'Austin',
    address_state: 'Texas',
    address_zip: '73301',
    address_country: 'USA',
    ...over
  });
  it('counts rows it cannot use instead of crashing: empty card, non-numeric or infinite expiry', () => {
    const agg = stripemodelProfile.newAggregate();
    expect(stripemodelProfile.extract(row({ card_number: null }), agg)).toEqual({
      ok: false,
      reason: 'card_number is empty'
    });
    expect(stripemodelProfile.extract(row({ exp_month: 'soon' }), agg)).toEqual({
      ok: false,
      reason: 'exp_month is not a finite number'
    });
    expect(stripemodelProfile.extract(row({ exp_year: 'Infinity' }), agg)).toEqual({
      ok: false,
      reason: 'exp_year is not a finite number'
    });
  });
  it('public fields carry the last 4 digits, never the number, name or email', () => {
    const fields = stripemodelProfile.publicFields(row({}));
    const text = JSON.stringify(fields);
    expect(fields.card_last4).toBe('4242');
    expect(text).not.toContain('4242424242424242');
    expect(text).not.toContain('Lovelace');
    expect(text).not.toContain('@');
  });
});

describe('transactions profile on synthetic data', () => {
  const rows = syntheticTransactions({ seed: 7, normalUsers: 200, fraudEvents: 5 });
  const agg = transactionsProfile.newAggregate();
  rows.forEach((r) => agg.add(r));
  const index = (name: string): number =>
    transactionsProfile.features.findIndex((f) => f.name === name);
  const values = (pattern: string): (number | string)[][] =>
    rows
      .filter((r) => r.fraud_pattern === pattern)
      .map((r) => transactionsProfile.extract(r, agg))
      .map((e) => (e.ok ? e.values : []));

  it('card testing shows many attempts on one card in one hour and a high decline ratio', () => {
    const testing = values('card_testing');
    const normal = values('');
    // A count bucket's lower end ("9-16" → 9).
    const atLeast = (v: number | string): number => Number(String(v).split('-')[0]);
    const mean = (
      vs: (number | string)[][],
      i: number,
      read = (v: number | string) => +v
    ): number => vs.reduce((s, v) => s + read(v[i] as number | string), 0) / vs.length;
    expect(mean(testing, index('card_attempts_in_hour'), atLeast)).toBeGreaterThan(
      mean(normal, index('card_attempts_in_hour'), atLeast) + 4
    );
    expect(mean(testing, index('card_decline_ratio'))).toBeGreaterThan(0.5);
  });
  it('a success carrying a decline code, or a decline without one, sets outcome_mismatch', () => {
    const base = rows.find((r) => r.fraud_pattern === '' && r.status === 'succeeded') as Row;
    const at = index('outcome_mismatch');
    const of = (r: Row) => (transactionsProfile.extract(r, agg) as { values: unknown[] }).values;
    expect(of(base)[at]).toBe(0);
    expect(of({ ...base, decline_code: 'card_declined' })[at]).toBe(1);
    expect(of({ ...base, status: 'declined', decline_code: '' })[at]).toBe(1);
    expect(of({ ...base, status: 'declined', decline_code: 'do_not_honor' })[at]).toBe(0);
    expect(outcomeMismatch('error', '')).toBe(0);
  });
  it('an expiry year far beyond any issued is a category of its own, not a clipped number', () => {
    const base = rows.find((r) => r.fraud_pattern === '') as Row;
    const of = (r: Row) => (transactionsProfile.extract(r, agg) as { values: unknown[] }).values;
    expect(of({ ...base, card_exp_year: 9999 })[index('years_to_expiry')]).toBe('30+');
    expect(of({ ...base, card_exp_year: '' })[index('years_to_expiry')]).toBe('none');
    expect(yearsToExpiry(-1)).toBe('expired');
    expect(yearsToExpiry(11)).toBe('0');
    expect(yearsToExpiry(12 * 15)).toBe('15');
    expect(of(base)[index('hour_of_day')]).toBe(String((base.created_at as Date).getUTCHours()));
  });
  it('account takeover shows a billing country unlike the account’s usual one', () => {
    const ato = values('account_takeover');
    expect(ato.some((v) => v[index('country_mismatch')] === 1)).toBe(true);
  });
  it('an expired card is seen as expired at the time of the attempt', () => {
    expect(values('expired_cards').every((v) => v[index('card_expired')] === 1)).toBe(true);
  });
  it('rejects amounts that are not finite numbers', () => {
    expect(transactionsProfile.extract({ ...rows[0], amount: 'Infinity' }, agg)).toEqual({
      ok: false,
      reason: 'amount is not a finite number'
    });
    expect(transactionsProfile.extract({ ...rows[0], created_at: 'yesterday' }, agg)).toEqual({
      ok: false,
      reason: 'created_at is not a timestamp'
    });
  });
});

describe('values as categories', () => {
  it('counts are exact to eight, then powers of two', () => {
    expect([-1, 0, 1, 8, 9, 16, 17, 1e9].map(countBucket)).toEqual([
      '0',
      '0',
      '1',
      '8',
      '9-16',
      '9-16',
      '17-32',
      '536870913-1073741824'
    ]);
  });
  it('an amount falls in its power-of-two band; nothing, a negative or NaN is "zero"', () => {
    expect([0, -5, Number.NaN, 0.01, 1, 1.99, 2, 63.99, 64, 1e300].map(amountBand)).toEqual([
      'zero',
      'zero',
      'zero',
      '-7',
      '0',
      '0',
      '1',
      '5',
      '6',
      '996'
    ]);
  });
  it('a 1 / 0 / 0.5 check reads match, mismatch, unknown', () => {
    expect([1, 0, 0.5].map(matchText)).toEqual(['match', 'mismatch', 'unknown']);
  });
});

describe('preprocessing', () => {
  it('is fitted on training rows only and sends unseen categories to the "other" column', () => {
    const features = [
      { name: 'x', kind: 'numeric' as const, description: '' },
      { name: 'c', kind: 'categorical' as const, description: '' },
      { name: 'flat', kind: 'numeric' as const, description: '' }
    ];
    const p = fitPreprocessing(features, [
      [1, 'a', 5],
      [3, 'b', 5]
    ]);
    expect(encodedWidth(p)).toBe(1 + 3 + 1);
    const out = encodeRows(p, [[2, 'zzz', 6]]);
    // mean 2 → 0; unseen "zzz" → other; a feature constant in training keeps scale 1.
    expect(Array.from(out)).toEqual([0, 0, 0, 1, 1]);
  });
  it('counts a category as seen only with enough training rows (one account cannot make it normal)', () => {
    const features = [{ name: 'c', kind: 'categorical' as const, description: '' }];
    const rows: string[][] = [
      ...Array.from({ length: 6 }, () => ['common']),
      ...Array.from({ length: 5 }, () => ['one account'])
    ];
    const p = fitPreprocessing(features, rows, 10, 30, 6);
    expect(p.encodings[0]).toEqual({ feature: 'c', kind: 'categorical', categories: ['common'] });
    expect(Array.from(encodeRows(p, [['one account'], ['common']]))).toEqual([0, 1, 1, 0]);
    expect(fitPreprocessing(features, rows).encodings[0]).toMatchObject({
      categories: ['common', 'one account']
    });
  });
});
