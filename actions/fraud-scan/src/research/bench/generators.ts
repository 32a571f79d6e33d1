import { createHash } from 'node:crypto';
import type { Row } from '../../features/row.js';
import { SeededRandom } from '../../numeric/rng.js';
import { STATES } from '../synthetic.js';

/**
 * Normal rows for the perturbation benchmark, one generator per profile. Each seed draws its
 * own shape (how many accounts share a household IP or a family card, how many travel, decline
 * rates, amounts, the night hours nobody buys), so a detector that only fits one generator's
 * quirks shows it as spread across seeds. Rows belong to accounts; the benchmark splits by
 * account, never inside one, because cross-row features are per account.
 */

// The demo data's cities, and two more.
const HOMES: [string, string, string][] = [
  ...STATES,
  ['Portland', 'OR', '97201'],
  ['Omaha', 'NE', '68102']
];
const ABROAD: [string, string, string, string][] = [
  ['London', '', 'SW1A 1AA', 'GB'],
  ['Toronto', 'ON', 'M5H 2N2', 'CA'],
  ['Berlin', '', '10115', 'DE']
];
const BRANDS = ['visa', 'visa', 'visa', 'mastercard', 'mastercard', 'amex', 'discover'];
const DECLINES = ['insufficient_funds', 'card_declined', 'do_not_honor'];

export function fingerprint(label: string): string {
  return createHash('sha256').update(label).digest('hex');
}

export interface Account {
  user: string;
  rows: Row[];
}

/** payments_transaction rows of `accounts` ordinary accounts (ids filled in later). */
export function normalTransactions(seed: number, accounts: number): Account[] {
  const rnd = new SeededRandom(seed * 7919 + 1);
  const start = Date.parse('2026-05-01T00:00:00Z');
  const days = 30;
  // This seed's shape.
  const householdShare = 0.15 + rnd.next() * 0.25;
  const familyCardShare = 0.02 + rnd.next() * 0.06;
  const travellerShare = 0.02 + rnd.next() * 0.06;
  const abroadShare = rnd.next() * 0.1;
  const declineRate = 0.03 + rnd.next() * 0.05;
  const mu = 3.4 + rnd.next() * 0.8;
  const sigma = 0.4 + rnd.next() * 0.4;
  // Night hours (UTC) nobody buys in: 3–4 hours from a seeded start.
  const quietFrom = rnd.int(1, 4);
  const quietHours = rnd.int(3, 4);
  const ip = (): string =>
    `${rnd.int(11, 223)}.${rnd.int(0, 255)}.${rnd.int(0, 255)}.${rnd.int(1, 254)}`;
  const newCard = (label: string): Row => ({
    card_fingerprint: fingerprint(`${seed}:${label}`),
    card_brand: rnd.pick(BRANDS),
    card_last4: String(rnd.int(0, 9999)).padStart(4, '0'),
    card_exp_month: rnd.int(1, 12),
    card_exp_year: rnd.int(2027, 2032)
  });
  const when = (): number => {
    for (;;) {
      const t = start + rnd.next() * days * 86_400_000;
      const h = new Date(t).getUTCHours();
      if ((h - quietFrom + 24) % 24 >= quietHours) return t;
    }
  };
  const gaussian = (): number =>
    Math.sqrt(-2 * Math.log(1 - rnd.next())) * Math.cos(2 * Math.PI * rnd.next());
  const out: Account[] = [];
  let household: { ip: string; card: Row; left: number } | undefined;
  for (let u = 0; u < accounts; u++) {
    const user = `u${seed}-${u}`;
    const abroad = rnd.chance(abroadShare) ? rnd.pick(ABROAD) : undefined;
    const home = rnd.pick(HOMES);
    const address = abroad
      ? {
          billing_city: abroad[0],
          billing_state: abroad[1],
          billing_postal_code: abroad[2],
          billing_country: abroad[3]
        }
      : {
          billing_city: home[0],
          billing_state: home[1],
          billing_postal_code: home[2],
          billing_country: 'US'
        };
    if (!household || household.left === 0) {
      household = rnd.chance(householdShare)
        ? { ip: ip(), card: newCard(`${user}:family`), left: rnd.int(1, 2) }
        : undefined;
    } else household.left--;
    const cards = [newCard(`${user}:0`)];
    if (rnd.chance(0.25)) cards.push(newCard(`${user}:1`));
    if (rnd.chance(0.04)) cards.push(newCard(`${user}:2`));
    if (household && rnd.chance(familyCardShare * 5)) cards.push(household.card);
    const ips = [household?.ip ?? ip()];
    if (rnd.chance(0.3)) ips.push(ip());
    const rows: Row[] = [];
    const n = rnd.int(1, 7);
    for (let k = 0; k < n; k++) {
      const declined = rnd.chance(declineRate);
      const t = when();
      const card = rnd.pick(cards);
      const base: Row = {
        user_id: user,
        amount: Math.min(2000, Math.max(5, Math.exp(mu + sigma * gaussian()))).toFixed(2),
        currency: 'usd',
        ...card,
        ...address,
        client_ip: rnd.pick(ips)
      };
      rows.push({
        ...base,
        created_at: new Date(t),
        status: declined ? 'declined' : 'succeeded',
        decline_code: declined ? rnd.pick(DECLINES) : ''
      });
      // A declined attempt is often retried within minutes, and succeeds.
      if (declined && rnd.chance(0.5)) {
        rows.push({
          ...base,
          created_at: new Date(t + rnd.int(60, 900) * 1000),
          status: 'succeeded',
          decline_code: ''
        });
      }
    }
    if (!abroad && rnd.chance(travellerShare)) {
      const trip = rnd.pick(ABROAD);
      rows.push({
        user_id: user,
        amount: Math.exp(mu + sigma * gaussian()).toFixed(2),
        currency: 'usd',
        ...rnd.pick(cards),
        billing_city: trip[0],
        billing_state: trip[1],
        billing_postal_code: trip[2],
        billing_country: trip[3],
        client_ip: ip(),
        created_at: new Date(when()),
        status: 'succeeded',
        decline_code: ''
      });
    }
    out.push({ user, rows });
  }
  return out;
}

const FIRST = [
  'james',
  'mary',
  'john',
  'patricia',
  'robert',
  'jennifer',
  'michael',
  'linda',
  'william',
  'elizabeth',
  'david',
  'barbara',
  'richard',
  'susan',
  'joseph',
  'jessica',
  'thomas',
  'sarah',
  'charles',
  'karen',
  'daniel',
  'nancy',
  'matthew',
  'lisa',
  'anthony',
  'betty',
  'mark',
  'sandra',
  'steven',
  'ashley',
  'paul',
  'emily',
  'andrew',
  'donna',
  'joshua',
  'michelle'
];
const LAST = [
  'smith',
  'johnson',
  'williams',
  'brown',
  'jones',
  'garcia',
  'miller',
  'davis',
  'rodriguez',
  'martinez',
  'hernandez',
  'lopez',
  'gonzalez',
  'wilson',
  'anderson',
  'thomas',
  'taylor',
  'moore',
  'jackson',
  'martin',
  'lee',
  'perez',
  'thompson',
  'white',
  'harris',
  'sanchez',
  'clark',
  'ramirez',
  'lewis',
  'robinson',
  'walker',
  'young',
  'allen',
  'king',
  'wright'
];
const STRIPE_HOMES: [string, string, string][] = [
  ['Chicago', 'Illinois', '606'],
  ['Houston', 'Texas', '770'],
  ['Phoenix', 'Arizona', '850'],
  ['Seattle', 'Washington', '981'],
  ['Denver', 'Colorado', '802'],
  ['Boston', 'Massachusetts', '021'],
  ['Atlanta', 'Georgia', '303'],
  ['Columbus', 'Ohio', '432'],
  ['Miami', 'Florida', '331'],
  ['Springfield', 'Missouri', '658'],
  ['Madison', 'Wisconsin', '537'],
  ['Portland', 'Oregon', '972']
];
const ISSUERS: [string, number][] = [
  ['4', 16],
  ['51', 16],
  ['55', 16],
  ['2221', 16],
  ['34', 15],
  ['37', 15],
  ['6011', 16]
];

/** A card number with the given prefix and length whose Luhn check digit is right. */
export function luhnNumber(rnd: SeededRandom, prefix: string, length: number): string {
  let body = prefix;
  while (body.length < length - 1) body += String(rnd.int(0, 9));
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return body + String((10 - (sum % 10)) % 10);
}

/** account_stripemodel rows (saved cards) of `accounts` ordinary accounts. */
export function normalStripeCards(seed: number, accounts: number): Account[] {
  const rnd = new SeededRandom(seed * 104_729 + 3);
  const secondCardShare = 0.1 + rnd.next() * 0.3;
  const emailStyles = [rnd.next(), rnd.next(), rnd.next()];
  const noAddressShare = rnd.next() * 0.05;
  const out: Account[] = [];
  for (let u = 0; u < accounts; u++) {
    const user = String(seed * 100_000 + u + 1);
    const first = rnd.pick(FIRST);
    const last = rnd.pick(LAST);
    const style = rnd.next() * (emailStyles[0]! + emailStyles[1]! + emailStyles[2]!);
    const local =
      style < emailStyles[0]!
        ? `${first}.${last}`
        : style < emailStyles[0]! + emailStyles[1]!
          ? `${first[0]}${last}${rnd.int(1, 99)}`
          : `${first}${rnd.int(100, 9999)}`;
    const home = rnd.pick(STRIPE_HOMES);
    const noAddress = rnd.chance(noAddressShare);
    const rows: Row[] = [];
    for (let k = 0, n = rnd.chance(secondCardShare) ? 2 : 1; k < n; k++) {
      const [prefix, length] = rnd.pick(ISSUERS);
      rows.push({
        user_id: user,
        card_number: luhnNumber(rnd, prefix, length),
        exp_month: rnd.int(1, 12),
        exp_year: rnd.int(2026, 2032),
        email: `${local}@example.com`,
        name_on_card: `${first[0]!.toUpperCase()}${first.slice(1)} ${last[0]!.toUpperCase()}${last.slice(1)}`,
        address_city: noAddress ? '' : home[0],
        address_state: noAddress ? '' : home[1],
        address_zip: noAddress ? '' : `${home[2]}${String(rnd.int(0, 99)).padStart(2, '0')}`,
        address_country: noAddress ? '' : 'USA'
      });
    }
    out.push({ user, rows });
  }
  return out;
}
