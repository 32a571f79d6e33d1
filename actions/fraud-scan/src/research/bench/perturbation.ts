import {
  DEFAULT_DETECTOR_OPTIONS,
  type Detector,
  type DetectorOptions,
  scoreFeatureRows,
  trainDetector
} from '../../model/detector.js';
import { reconstructionErrors } from '../../model/autoencoder.js';
import { encodedWidth, encodeRows } from '../../model/preprocessing.js';
import { OriginalEncoding, trainOriginalModel } from '../original-pipeline.js';
import type { FeatureProfile } from '../../features/profile.js';
import type { Row } from '../../features/row.js';
import { PROFILES } from '../../features/profiles.js';
import { SeededRandom } from '../../numeric/rng.js';
import { fencedQuantile } from '../../numeric/stats.js';
import {
  type Account,
  fingerprint,
  luhnNumber,
  normalStripeCards,
  normalTransactions
} from './generators.js';

/**
 * The perturbation benchmark: fraud the detector has never seen, made from held-out normal
 * accounts. Normal accounts are split (by account) into training and held-out ones; the
 * detector trains on the first. The scored table holds the held-out accounts untouched (the
 * false-positive rate is measured on them) and, per kind, copies of held-out accounts under a
 * new identity with one change: a column set to a value no training row has, two columns set
 * to a combination no training row has, or rows added across accounts (a shared card, IP or
 * name; many cards on one account; a burst; an account suddenly abroad or hopping countries).
 * Recall is the share of the changed rows flagged. An instance whose changed feature values
 * do occur in training (the generator happened to make them normal) is left out and counted.
 */

export type KindGroup = 'value' | 'combination' | 'cross-row';

export interface Instance {
  /** All the copy's rows; `fraud` marks the changed or added ones. */
  rows: Row[];
  fraud: boolean[];
}

export interface Kind {
  name: string;
  group: KindGroup;
  /** The features the change is about; the instance counts only if their values are new. */
  features: string[];
  /** Change a copy of a held-out account (`account`, identity already fresh). */
  make(account: Row[], ctx: KindContext): Instance | undefined;
}

export interface KindContext {
  rnd: SeededRandom;
  /** 1 or 2: how far a value goes and how many rows a cross-row kind adds. */
  magnitude: number;
  /** A fresh identity (user id, card fingerprints, IPs) for a copy or an added account. */
  fresh(): string;
  /** Training rows, for "larger than any training value". */
  training: Row[];
}

const mark = (rows: Row[], changed: Set<Row>): Instance => ({
  rows,
  fraud: rows.map((r) => changed.has(r))
});

/** Change one row of the account (a random one). */
function oneRow(change: (row: Row, ctx: KindContext) => Row | undefined) {
  return (account: Row[], ctx: KindContext): Instance | undefined => {
    const i = ctx.rnd.int(0, account.length - 1);
    const changed = change({ ...(account[i] as Row) }, ctx);
    if (!changed) return undefined;
    const rows = account.map((r, k) => (k === i ? changed : r));
    return mark(rows, new Set([changed]));
  };
}

/** Add rows to the account: each made from one of its rows. */
function addRows(
  count: (ctx: KindContext) => number,
  make: (base: Row, k: number, ctx: KindContext) => Row
) {
  return (account: Row[], ctx: KindContext): Instance => {
    const added: Row[] = [];
    for (let k = 0, n = count(ctx); k < n; k++)
      added.push(make({ ...ctx.rnd.pick<Row>(account) }, k, ctx));
    return mark([...account, ...added], new Set(added));
  };
}

const maxAmount = (rows: Row[]): number =>
  rows.reduce((m, r) => Math.max(m, Number(r.amount) || 0), 0);
const ip = (rnd: SeededRandom): string =>
  `${rnd.int(11, 223)}.${rnd.int(0, 255)}.${rnd.int(0, 255)}.${rnd.int(1, 254)}`;

export const TRANSACTION_KINDS: Kind[] = [
  {
    name: 'amount beyond any seen',
    group: 'value',
    features: ['amount_log'],
    make: oneRow((r, ctx) => ({
      ...r,
      amount: ctx.rnd.chance(0.5)
        ? (maxAmount(ctx.training) * (3 + 7 * ctx.magnitude * ctx.rnd.next())).toFixed(2)
        : (0.01 * ctx.rnd.int(1, 50 / ctx.magnitude)).toFixed(2)
    }))
  },
  {
    name: 'unseen status',
    group: 'value',
    features: ['status'],
    make: oneRow((r, ctx) => ({ ...r, status: ctx.rnd.pick(['rejected', 'error', 'disputed']) }))
  },
  {
    name: 'unseen decline code',
    group: 'value',
    features: ['decline_code'],
    make: oneRow((r, ctx) => ({
      ...r,
      status: 'declined',
      decline_code: ctx.rnd.pick(['stolen_card', 'lost_card', 'fraudulent', 'pickup_card'])
    }))
  },
  {
    name: 'unseen card brand',
    group: 'value',
    features: ['card_brand'],
    make: oneRow((r, ctx) => ({ ...r, card_brand: ctx.rnd.pick(['unionpay', 'jcb', 'diners']) }))
  },
  {
    name: 'card expired at the attempt',
    group: 'value',
    features: ['card_expired'],
    make: oneRow((r, ctx) => {
      const at = r.created_at as Date;
      const back = ctx.rnd.int(1, 12 * ctx.magnitude);
      const m = at.getUTCFullYear() * 12 + at.getUTCMonth() - back;
      return { ...r, card_exp_year: Math.floor(m / 12), card_exp_month: (m % 12) + 1 };
    })
  },
  {
    name: 'expiry far beyond any issued',
    group: 'value',
    features: ['years_to_expiry'],
    make: oneRow((r, ctx) => ({ ...r, card_exp_year: 2040 + ctx.rnd.int(0, 20) }))
  },
  {
    name: 'billing address left blank',
    group: 'value',
    features: ['billing_complete'],
    make: oneRow((r, ctx) => {
      const fields = ['billing_city', 'billing_state', 'billing_postal_code'];
      const out = { ...r };
      for (const f of fields) if (ctx.rnd.chance(0.5 + 0.25 * ctx.magnitude)) out[f] = '';
      if (fields.every((f) => out[f] !== '')) out.billing_postal_code = '';
      return out;
    })
  },
  {
    name: 'attempt in the quiet night hours',
    group: 'value',
    features: ['hour_of_day'],
    make: oneRow((r, ctx) => {
      // The hours no training row has (each generator seed has its own quiet hours).
      const seen = new Set(ctx.training.map((t) => (t.created_at as Date).getUTCHours()));
      const quiet = Array.from({ length: 24 }, (_, h) => h).filter((h) => !seen.has(h));
      if (quiet.length === 0) return undefined;
      const at = new Date(r.created_at as Date);
      at.setUTCHours(ctx.rnd.pick(quiet), ctx.rnd.int(0, 59));
      return { ...r, created_at: at };
    })
  },
  {
    name: 'succeeded with a decline code',
    group: 'combination',
    features: ['status', 'decline_code'],
    make: oneRow((r, ctx) =>
      ctx.rnd.chance(0.5)
        ? {
            ...r,
            status: 'succeeded',
            decline_code: ctx.rnd.pick(['insufficient_funds', 'card_declined', 'do_not_honor'])
          }
        : { ...r, status: 'declined', decline_code: '' }
    )
  },
  {
    name: 'ZIP of another state',
    group: 'combination',
    features: ['zip_matches_state'],
    make: oneRow((r, ctx) =>
      r.billing_country !== 'US'
        ? undefined
        : {
            ...r,
            billing_postal_code: String(r.billing_postal_code).startsWith('9')
              ? `${ctx.rnd.int(1, 7)}${String(ctx.rnd.int(0, 9999)).padStart(4, '0')}`
              : `9${String(ctx.rnd.int(0, 9999)).padStart(4, '0')}`
          }
    )
  },
  {
    name: 'card shared across accounts',
    group: 'cross-row',
    features: ['users_per_card'],
    make(account, ctx) {
      const card = fingerprint(`shared:${ctx.fresh()}`);
      const added: Row[] = [];
      for (let k = 0, n = 2 + ctx.rnd.int(1, 2) * ctx.magnitude; k < n; k++) {
        const base = ctx.rnd.pick<Row>(account);
        added.push({
          ...base,
          user_id: ctx.fresh(),
          client_ip: ip(ctx.rnd),
          card_fingerprint: card
        });
      }
      const first = { ...(account[0] as Row), card_fingerprint: card };
      return mark([first, ...account.slice(1), ...added], new Set([first, ...added]));
    }
  },
  {
    name: 'IP shared across accounts',
    group: 'cross-row',
    features: ['users_per_ip'],
    make(account, ctx) {
      const shared = ip(ctx.rnd);
      const added: Row[] = [];
      for (let k = 0, n = 3 + ctx.rnd.int(1, 3) * ctx.magnitude; k < n; k++) {
        const base = ctx.rnd.pick<Row>(account);
        added.push({
          ...base,
          user_id: ctx.fresh(),
          card_fingerprint: fingerprint(ctx.fresh()),
          client_ip: shared
        });
      }
      return mark([...account, ...added], new Set(added));
    }
  },
  {
    name: 'many cards on one account',
    group: 'cross-row',
    features: ['cards_per_user'],
    make: addRows(
      (ctx) => 3 + ctx.rnd.int(1, 3) * ctx.magnitude,
      (b, _k, ctx) => ({
        ...b,
        card_fingerprint: fingerprint(ctx.fresh()),
        created_at: new Date((b.created_at as Date).getTime() + ctx.rnd.int(1, 86_400) * 1000)
      })
    )
  },
  {
    name: 'burst on one card',
    group: 'cross-row',
    features: ['card_attempts_in_hour'],
    make: addRows(
      (ctx) => 4 + ctx.rnd.int(2, 6) * ctx.magnitude,
      (b, k, ctx) => {
        const declined = ctx.rnd.chance(0.6);
        return {
          ...b,
          amount: (1 + ctx.rnd.next() * 20).toFixed(2),
          created_at: new Date(
            (b.created_at as Date).getTime() + 60_000 * (k + 1) + ctx.rnd.int(0, 50) * 1000
          ),
          status: declined ? 'declined' : 'succeeded',
          decline_code: declined ? 'card_declined' : ''
        };
      }
    )
  },
  {
    name: 'account suddenly abroad',
    group: 'cross-row',
    features: ['country_mismatch', 'countries_per_user', 'ips_per_user'],
    make: addRows(
      () => 1,
      (b, _k, ctx) => ({
        ...b,
        billing_city: 'Elsewhere',
        billing_state: '',
        billing_postal_code: String(ctx.rnd.int(1000, 99999)),
        billing_country: ctx.rnd.pick(['NG', 'RU', 'BR', 'VN', 'ID', 'UA']),
        client_ip: ip(ctx.rnd),
        amount: (Number(b.amount) * (1 + ctx.rnd.next() * 3 * ctx.magnitude)).toFixed(2)
      })
    )
  },
  {
    name: 'country hopping',
    group: 'cross-row',
    features: ['countries_per_user'],
    make: addRows(
      (ctx) => 2 + ctx.rnd.int(1, 2) * ctx.magnitude,
      (b, k, ctx) => ({
        ...b,
        billing_city: `City ${k}`,
        billing_state: '',
        billing_postal_code: String(ctx.rnd.int(1000, 99999)),
        billing_country: ['NG', 'RU', 'BR', 'VN', 'ID', 'UA', 'MX', 'TR'][
          (k + ctx.rnd.int(0, 7)) % 8
        ],
        client_ip: ip(ctx.rnd),
        created_at: new Date((b.created_at as Date).getTime() + (k + 1) * 3 * 3_600_000)
      })
    )
  }
];

export const STRIPE_KINDS: Kind[] = [
  {
    name: 'card number fails Luhn',
    group: 'value',
    features: ['card_luhn_valid'],
    make: oneRow((r, ctx) => {
      const n = String(r.card_number);
      const last = (Number(n[n.length - 1]) + ctx.rnd.int(1, 9)) % 10;
      return { ...r, card_number: n.slice(0, -1) + String(last) };
    })
  },
  {
    name: 'issuer range no network has',
    group: 'value',
    features: ['card_brand', 'card_brand_length_fits'],
    make: oneRow((r, ctx) => ({
      ...r,
      card_number: luhnNumber(ctx.rnd, ctx.rnd.pick(['9', '1', '8']), 16)
    }))
  },
  {
    name: 'card number of a wrong length',
    group: 'value',
    features: ['card_brand_length_fits'],
    make: oneRow((r, ctx) => {
      const n = String(r.card_number);
      return {
        ...r,
        card_number: luhnNumber(ctx.rnd, n.slice(0, 6), n.length + (ctx.rnd.chance(0.5) ? 2 : -3))
      };
    })
  },
  {
    name: 'expiry month outside 1-12',
    group: 'value',
    features: ['exp_month_valid'],
    make: oneRow((r, ctx) => ({ ...r, exp_month: ctx.rnd.pick([0, 13, 14, 20, 99]) }))
  },
  {
    name: 'billing address left blank',
    group: 'value',
    features: ['address_complete'],
    make: oneRow((r, ctx) => {
      const out = { ...r };
      const fields = ['address_city', 'address_state', 'address_zip'];
      for (const f of fields) if (ctx.rnd.chance(0.5)) out[f] = '';
      if (fields.every((f) => out[f] !== '')) out.address_city = '';
      return out;
    })
  },
  {
    name: 'malformed ZIP',
    group: 'value',
    features: ['postal_code_well_formed', 'address_complete'],
    make: oneRow((r, ctx) => ({
      ...r,
      address_zip: ctx.rnd.pick(['ABCDE', '1234', '123456', '00-00', 'N/A'])
    }))
  },
  {
    name: 'country outside the US',
    group: 'value',
    features: ['country_us', 'address_complete'],
    make: oneRow((r, ctx) => ({
      ...r,
      address_country: ctx.rnd.pick(['Nigeria', 'Russia', 'Brazil', 'Vietnam'])
    }))
  },
  {
    name: 'ZIP of another state',
    group: 'combination',
    features: ['zip_matches_state'],
    make: oneRow((r, ctx) => {
      const zip = String(r.address_zip);
      if (!/^\d{5}$/.test(zip)) return undefined;
      const other = zip.startsWith('9') ? String(ctx.rnd.int(1, 7)) : '9';
      return { ...r, address_zip: other + zip.slice(1) };
    })
  },
  {
    name: 'city of another state',
    group: 'combination',
    features: ['city_matches_state'],
    make: oneRow((r, ctx) => ({
      ...r,
      address_city: ctx.rnd.pick(['Los Angeles', 'Dallas', 'New York', 'Detroit', 'Tampa']),
      address_state: ctx.rnd.pick(['Montana', 'Vermont', 'Maine', 'Idaho'])
    }))
  },
  {
    name: 'email unlike the name',
    group: 'combination',
    features: ['name_in_email'],
    make: oneRow((r, ctx) => ({
      ...r,
      email: `${ctx.rnd.pick(['xk', 'qz', 'zz', 'vv'])}${ctx.rnd.int(1000, 99999)}@example.com`
    }))
  },
  {
    name: 'card shared across accounts',
    group: 'cross-row',
    features: ['users_per_card'],
    make(account, ctx) {
      const added: Row[] = [];
      const base = account[0] as Row;
      for (let k = 0, n = 1 + ctx.rnd.int(1, 2) * ctx.magnitude; k < n; k++) {
        added.push({
          ...base,
          user_id: ctx.fresh(),
          email: `${ctx.fresh()}@example.com`,
          name_on_card: `Someone ${ctx.fresh()}`
        });
      }
      return mark([...account, ...added], new Set([base, ...added]));
    }
  },
  {
    name: 'name shared across accounts',
    group: 'cross-row',
    features: ['users_per_name'],
    make(account, ctx) {
      const added: Row[] = [];
      const base = account[0] as Row;
      for (let k = 0, n = 2 + ctx.rnd.int(1, 2) * ctx.magnitude; k < n; k++) {
        added.push({ ...base, user_id: ctx.fresh(), card_number: luhnNumber(ctx.rnd, '4', 16) });
      }
      return mark([...account, ...added], new Set([base, ...added]));
    }
  },
  {
    name: 'many cards on one account',
    group: 'cross-row',
    features: ['cards_per_user'],
    make: addRows(
      (ctx) => 2 + ctx.rnd.int(1, 3) * ctx.magnitude,
      (b, _k, ctx) => ({
        ...b,
        card_number: luhnNumber(ctx.rnd, ctx.rnd.pick(['4', '51', '6011']), 16)
      })
    )
  }
];

const letters = (rnd: SeededRandom, n: number): string =>
  Array.from({ length: n }, () => String.fromCharCode(97 + rnd.int(0, 25))).join('');

/** A copy of an account under a fresh identity (user, cards, IPs, emails). */
function copyAccount(profile: FeatureProfile, account: Account, ctx: KindContext): Row[] {
  const user = ctx.fresh();
  const cards = new Map<string, string>();
  const ips = new Map<string, string>();
  return account.rows.map((r) => {
    if (profile.name === 'transactions') {
      const card = String(r.card_fingerprint);
      if (!cards.has(card)) cards.set(card, fingerprint(ctx.fresh()));
      const from = String(r.client_ip);
      if (!ips.has(from)) ips.set(from, ip(ctx.rnd));
      return { ...r, user_id: user, card_fingerprint: cards.get(card), client_ip: ips.get(from) };
    }
    const number = String(r.card_number);
    if (!cards.has(number))
      cards.set(number, luhnNumber(ctx.rnd, number.slice(0, 6), number.length));
    // A new holder too (a copy sharing the name would raise users_per_name of the original),
    // with the email written the same way (the name in it where it was).
    const parts = String(r.name_on_card).split(/\s+/).filter(Boolean);
    let email = String(r.email);
    const name = parts.map((part) => {
      const fresh = letters(ctx.rnd, Math.max(4, part.length));
      const plain = part.replace(/[^A-Za-z]/g, '');
      if (plain) email = email.replace(new RegExp(plain, 'i'), fresh);
      return fresh[0]!.toUpperCase() + fresh.slice(1);
    });
    return {
      ...r,
      user_id: user,
      card_number: cards.get(number),
      name_on_card: name.join(' '),
      email
    };
  });
}

export interface KindResult {
  kind: string;
  group: KindGroup;
  rows: number;
  flagged: number;
  /** Instances left out: their changed values occur in training. */
  notNew: number;
  /** The original project's method (stripemodel only). */
  originalFlagged?: number;
  /** The same autoencoder scored by its mean squared error (the scoring before this one). */
  meanFlagged: number;
}

export interface BenchResult {
  profile: string;
  generator: string;
  seed: number;
  magnitude: number;
  trainRows: number;
  heldOutRows: number;
  flaggedNormal: number;
  /** The feature behind each false positive (its top driver), counted. */
  falsePositiveDrivers: Record<string, number>;
  meanFlaggedNormal: number;
  originalFlaggedNormal?: number;
  kinds: KindResult[];
  /** The detector's threshold, both readings of it, and the rows the robust one set aside. */
  threshold: number;
  thresholds?: Record<string, number>;
  heldOutSetAside?: number;
  /** Training rows the second fit left out (DetectorOptions.trim). */
  trimmedRows?: number;
  seconds: number;
}

export interface BenchOptions {
  profile: 'transactions' | 'stripemodel';
  seed: number;
  magnitude: number;
  /** Normal accounts (split 60% training, 15% validation, 25% held out). */
  accounts: number;
  instancesPerKind: number;
  detector?: Partial<DetectorOptions>;
  /** Normal rows from elsewhere (the original project's training_data.csv) instead of the generator. */
  normalRows?: Row[];
  /** Also run the original project's method (stripemodel). */
  original?: boolean;
}

function featureRows(
  profile: FeatureProfile,
  rows: Row[]
): { values: (number | string)[][]; ok: boolean[] } {
  const agg = profile.newAggregate();
  rows.forEach((r) => agg.add(r));
  const values: (number | string)[][] = [];
  const ok: boolean[] = [];
  for (const r of rows) {
    const e = profile.extract(r, agg);
    ok.push(e.ok);
    if (e.ok) values.push(e.values);
  }
  return { values, ok };
}

/** Whether a row's values of `features` occur together in training (numeric: within range). */
function seenInTraining(
  profile: FeatureProfile,
  features: string[],
  training: (number | string)[][]
) {
  const idx = features.map((f) => {
    const i = profile.features.findIndex((s) => s.name === f);
    if (i < 0) throw new Error(`${profile.name} has no feature ${f}`);
    return i;
  });
  const key = (v: (number | string)[]) =>
    idx.map((i) => (typeof v[i] === 'number' ? v[i].toFixed(4) : v[i])).join('|');
  const seen = new Set(training.map(key));
  // A continuous feature (amount): new when outside the training range. A discrete one (a
  // share of four fields, a flag, a category, a tuple): new when the values never occur together.
  const single =
    idx.length === 1 &&
    profile.features[idx[0] as number]?.kind === 'numeric' &&
    new Set(training.map((v) => v[idx[0] as number])).size > 20;
  let lo = Infinity;
  let hi = -Infinity;
  if (single) {
    for (const v of training) {
      const x = v[idx[0] as number] as number;
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
  }
  return (v: (number | string)[]): boolean => {
    if (single) {
      const x = v[idx[0] as number] as number;
      return x >= lo - 1e-9 && x <= hi + 1e-9;
    }
    return seen.has(key(v));
  };
}

function meanErrors(detector: Detector, values: (number | string)[][]): Float32Array {
  const width = encodedWidth(detector.preprocessing);
  return reconstructionErrors(detector.model, encodeRows(detector.preprocessing, values), width)
    .errors;
}

/** One benchmark run: train on generated (or given) normal accounts, score the perturbed table. */
export async function runPerturbationBench(options: BenchOptions): Promise<BenchResult> {
  const started = performance.now();
  const profile = PROFILES[options.profile];
  const kinds = options.profile === 'transactions' ? TRANSACTION_KINDS : STRIPE_KINDS;
  const rnd = new SeededRandom(options.seed * 31 + options.magnitude);
  let accounts: Account[];
  let generator: string;
  if (options.normalRows) {
    const byUser = new Map<string, Row[]>();
    for (const r of options.normalRows) {
      const u = String(r.user_id);
      byUser.set(u, [...(byUser.get(u) ?? []), r]);
    }
    accounts = [...byUser].map(([user, rows]) => ({ user, rows }));
    generator = 'original training_data.csv';
  } else {
    accounts =
      options.profile === 'transactions'
        ? normalTransactions(options.seed, options.accounts)
        : normalStripeCards(options.seed, options.accounts);
    generator = 'generated';
  }
  const order = rnd.permutation(accounts.length);
  const nTrain = Math.round(accounts.length * 0.6);
  const nVal = Math.round(accounts.length * 0.15);
  const pick = (from: number, to: number) =>
    Array.from(order.subarray(from, to), (i) => accounts[i] as Account);
  const train = pick(0, nTrain);
  const validation = pick(nTrain, nTrain + nVal);
  const heldOut = pick(nTrain + nVal, accounts.length);
  const trainRowsRaw = train.flatMap((a) => a.rows);
  const trainFeatures = featureRows(profile, trainRowsRaw).values;
  const valFeatures = featureRows(
    profile,
    validation.flatMap((a) => a.rows)
  ).values;
  const detector = await trainDetector(
    profile,
    trainFeatures,
    { ...DEFAULT_DETECTOR_OPTIONS, seed: options.seed, ...options.detector },
    valFeatures
  );

  let counter = 0;
  const ctx: KindContext = {
    rnd,
    magnitude: options.magnitude,
    // Inside the training accounts' id range (a decimal suffix keeps it unique): the original
    // method reads user_id as a magnitude and would flag any id beyond the range for that alone.
    fresh: () => `${train[rnd.int(0, train.length - 1)]?.user}.${++counter}`,
    training: trainRowsRaw
  };
  // The table scored: untouched held-out accounts, then every instance of every kind.
  const table: Row[] = heldOut.flatMap((a) => a.rows);
  const label: (string | undefined)[] = table.map(() => 'normal');
  for (const kind of kinds) {
    let made = 0;
    for (
      let attempt = 0;
      made < options.instancesPerKind && attempt < options.instancesPerKind * 5;
      attempt++
    ) {
      const account = heldOut[rnd.int(0, heldOut.length - 1)] as Account;
      const instance = kind.make(copyAccount(profile, account, ctx), ctx);
      if (!instance) continue;
      made++;
      instance.rows.forEach((r, i) => {
        table.push(r);
        label.push(instance.fraud[i] ? kind.name : undefined);
      });
    }
  }
  const { values, ok } = featureRows(profile, table);
  const labels = label.filter((_, i) => ok[i]);
  const scored = scoreFeatureRows(detector, values);
  const means = meanErrors(detector, values);
  const valMeans = meanErrors(detector, valFeatures);
  const meanThreshold = fencedQuantile(valMeans, detector.thresholdQuantile).value;
  const seen = new Map(
    kinds.map((k) => [k.name, seenInTraining(profile, k.features, trainFeatures)])
  );

  let original: ((rows: Row[]) => boolean[]) | undefined;
  if (options.original && options.profile === 'stripemodel') {
    const encoding = new OriginalEncoding().fit(OriginalEncoding.clean(trainRowsRaw));
    const val = encoding.transform(OriginalEncoding.clean(validation.flatMap((a) => a.rows)));
    const run = await trainOriginalModel(
      encoding.transform(OriginalEncoding.clean(trainRowsRaw)),
      val,
      val,
      options.seed,
      detector.training.epochsRun > 0 ? 100 : 100
    );
    original = (rows) => {
      const usable = rows.map((r) => OriginalEncoding.clean([r]).length === 1);
      const scores = run.score(encoding.transform(rows.filter((_, i) => usable[i])));
      let k = 0;
      // A row the original pipeline drops (a null) is never flagged by it.
      return usable.map((u) => (u ? (scores[k++] as number) > run.threshold : false));
    };
  }
  const originalFlags = original?.(table.filter((_, i) => ok[i]));

  const results = new Map<string, KindResult>(
    kinds.map((k) => [
      k.name,
      {
        kind: k.name,
        group: k.group,
        rows: 0,
        flagged: 0,
        notNew: 0,
        meanFlagged: 0,
        ...(original ? { originalFlagged: 0 } : {})
      }
    ])
  );
  let normal = 0;
  let flaggedNormal = 0;
  let meanFlaggedNormal = 0;
  let originalFlaggedNormal = 0;
  const falsePositiveDrivers: Record<string, number> = {};
  labels.forEach((l, i) => {
    if (l === undefined) return;
    const flagged = (scored.errors[i] as number) > detector.threshold;
    const meanFlagged = (means[i] as number) > meanThreshold;
    if (l === 'normal') {
      normal++;
      if (flagged) {
        flaggedNormal++;
        const top = scored.drivers(i, 1)[0]?.feature ?? '?';
        falsePositiveDrivers[top] = (falsePositiveDrivers[top] ?? 0) + 1;
      }
      if (meanFlagged) meanFlaggedNormal++;
      if (originalFlags?.[i]) originalFlaggedNormal++;
      return;
    }
    const r = results.get(l) as KindResult;
    if (seen.get(l)?.(values[i] as (number | string)[])) {
      r.notNew++;
      return;
    }
    r.rows++;
    if (flagged) r.flagged++;
    if (meanFlagged) r.meanFlagged++;
    if (originalFlags?.[i]) r.originalFlagged = (r.originalFlagged ?? 0) + 1;
  });
  detector.model.dispose();
  return {
    profile: options.profile,
    generator,
    seed: options.seed,
    magnitude: options.magnitude,
    trainRows: trainFeatures.length,
    heldOutRows: normal,
    flaggedNormal,
    falsePositiveDrivers,
    meanFlaggedNormal,
    ...(original ? { originalFlaggedNormal } : {}),
    kinds: [...results.values()],
    threshold: detector.threshold,
    thresholds: detector.training.thresholds,
    heldOutSetAside: detector.training.heldOutSetAside,
    trimmedRows: detector.training.trimmedRows,
    seconds: (performance.now() - started) / 1000
  };
}
