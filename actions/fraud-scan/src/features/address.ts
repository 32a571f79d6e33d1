import { text } from './row.js';

/**
 * What a billing address says about its own consistency: a ZIP code's first digit names a
 * postal region of known states, and a handful of large cities can only be in one state.
 */

const STATES: Record<string, string> = {
  alabama: 'AL',
  alaska: 'AK',
  arizona: 'AZ',
  arkansas: 'AR',
  california: 'CA',
  colorado: 'CO',
  connecticut: 'CT',
  delaware: 'DE',
  'district of columbia': 'DC',
  florida: 'FL',
  georgia: 'GA',
  hawaii: 'HI',
  idaho: 'ID',
  illinois: 'IL',
  indiana: 'IN',
  iowa: 'IA',
  kansas: 'KS',
  kentucky: 'KY',
  louisiana: 'LA',
  maine: 'ME',
  maryland: 'MD',
  massachusetts: 'MA',
  michigan: 'MI',
  minnesota: 'MN',
  mississippi: 'MS',
  missouri: 'MO',
  montana: 'MT',
  nebraska: 'NE',
  nevada: 'NV',
  'new hampshire': 'NH',
  'new jersey': 'NJ',
  'new mexico': 'NM',
  'new york': 'NY',
  'north carolina': 'NC',
  'north dakota': 'ND',
  ohio: 'OH',
  oklahoma: 'OK',
  oregon: 'OR',
  pennsylvania: 'PA',
  'rhode island': 'RI',
  'south carolina': 'SC',
  'south dakota': 'SD',
  tennessee: 'TN',
  texas: 'TX',
  utah: 'UT',
  vermont: 'VT',
  virginia: 'VA',
  washington: 'WA',
  'west virginia': 'WV',
  wisconsin: 'WI',
  wyoming: 'WY',
  'puerto rico': 'PR'
};

/** USPS national areas: the first ZIP digit and the states whose codes start with it. */
const ZIP_REGIONS: Record<string, string[]> = {
  '0': ['CT', 'MA', 'ME', 'NH', 'NJ', 'NY', 'PR', 'RI', 'VT'],
  '1': ['DE', 'NY', 'PA'],
  '2': ['DC', 'MD', 'NC', 'SC', 'VA', 'WV'],
  '3': ['AL', 'FL', 'GA', 'MS', 'TN'],
  '4': ['IN', 'KY', 'MI', 'OH'],
  '5': ['IA', 'MN', 'MT', 'ND', 'SD', 'WI'],
  '6': ['IL', 'KS', 'MO', 'NE'],
  '7': ['AR', 'LA', 'OK', 'TX'],
  '8': ['AZ', 'CO', 'ID', 'NM', 'NV', 'UT', 'WY'],
  '9': ['AK', 'CA', 'HI', 'OR', 'WA']
};

/** The largest US cities whose name belongs to one state (no Springfields). */
const CITIES: Record<string, string> = {
  'new york': 'NY',
  'los angeles': 'CA',
  chicago: 'IL',
  houston: 'TX',
  phoenix: 'AZ',
  philadelphia: 'PA',
  'san antonio': 'TX',
  'san diego': 'CA',
  dallas: 'TX',
  'san jose': 'CA',
  austin: 'TX',
  jacksonville: 'FL',
  'fort worth': 'TX',
  columbus: 'OH',
  charlotte: 'NC',
  'san francisco': 'CA',
  indianapolis: 'IN',
  seattle: 'WA',
  denver: 'CO',
  boston: 'MA',
  'el paso': 'TX',
  nashville: 'TN',
  detroit: 'MI',
  'oklahoma city': 'OK',
  'las vegas': 'NV',
  memphis: 'TN',
  louisville: 'KY',
  baltimore: 'MD',
  milwaukee: 'WI',
  albuquerque: 'NM',
  tucson: 'AZ',
  fresno: 'CA',
  sacramento: 'CA',
  atlanta: 'GA',
  miami: 'FL',
  omaha: 'NE',
  minneapolis: 'MN',
  tulsa: 'OK',
  'new orleans': 'LA',
  cleveland: 'OH',
  tampa: 'FL',
  pittsburgh: 'PA',
  cincinnati: 'OH',
  'salt lake city': 'UT',
  honolulu: 'HI',
  anchorage: 'AK'
};

// Looked up in Maps, not the objects: a billing field is the buyer's text, and "constructor" or
// "__proto__" as an object key finds Object.prototype's members (the Python port's dict does not,
// so the two would disagree on that row). The Set also spares an array per call (a 400,000-row
// scan spent 0.33 s here building Object.values(STATES) for every row).
const STATE_BY_NAME = new Map(Object.entries(STATES));
const STATE_CODES = new Set(STATE_BY_NAME.values());
const CITY_STATE = new Map(Object.entries(CITIES));

/** A state's two-letter code from its name or code ("Texas", "tx" → "TX"), or undefined. */
export function stateCode(value: unknown): string | undefined {
  const trimmed = text(value).trim();
  // A code as it is usually written, without the two new strings of the general path below.
  if (trimmed.length === 2 && STATE_CODES.has(trimmed)) return trimmed;
  const raw = trimmed.toLowerCase();
  if (raw === '') return undefined;
  if (raw.length === 2) {
    const upper = raw.toUpperCase();
    return STATE_CODES.has(upper) ? upper : undefined;
  }
  return STATE_BY_NAME.get(raw);
}

/** True for a US country written as US, USA or United States (any case). */
export function isUnitedStates(value: unknown): boolean {
  return /^(us|usa|united states( of america)?)$/i.test(text(value).trim());
}

/** 1 when a US ZIP's region holds the state, 0 when it does not, 0.5 when it cannot be told. */
export function zipMatchesState(zip: unknown, state: unknown): number {
  const code = stateCode(state);
  const raw = text(zip).trim();
  if (!code || !/^\d{5}(-\d{4})?$/.test(raw)) return 0.5;
  return ZIP_REGIONS[raw[0] as string]?.includes(code) ? 1 : 0;
}

/** 1 when a known large city is in the given state, 0 when it is in another, 0.5 when unknown. */
export function cityMatchesState(city: unknown, state: unknown): number {
  const known = CITY_STATE.get(text(city).trim().toLowerCase());
  const code = stateCode(state);
  if (!known || !code) return 0.5;
  return known === code ? 1 : 0;
}

/** 1 for a well-formed postal code: 5 digits or ZIP+4 in the US, any 3–10 characters elsewhere. */
export function postalCodeWellFormed(zip: unknown, country: unknown): number {
  const raw = text(zip).trim();
  if (raw === '') return 0;
  if (isUnitedStates(country)) return /^\d{5}(-\d{4})?$/.test(raw) ? 1 : 0;
  return /^[A-Za-z0-9 -]{3,10}$/.test(raw) ? 1 : 0;
}

/** Share of the given address fields that are filled in. */
export function completeness(...fields: unknown[]): number {
  let filled = 0;
  for (const f of fields) if (text(f).trim() !== '') filled++;
  return fields.length === 0 ? 1 : filled / fields.length;
}
