import type { AddressInput } from '@/types/api';

export type AddressValues = Omit<AddressInput, 'is_default'>;

export const EMPTY_ADDRESS: AddressValues = {
  full_name: '',
  line1: '',
  line2: '',
  city: '',
  state: '',
  postal_code: '',
  country: 'US'
};

/** A short list; the API accepts any ISO 3166-1 alpha-2 code. */
export const COUNTRIES: [string, string][] = [
  ['US', 'United States'],
  ['CA', 'Canada'],
  ['GB', 'United Kingdom'],
  ['IE', 'Ireland'],
  ['DE', 'Germany'],
  ['FR', 'France'],
  ['NL', 'Netherlands'],
  ['ES', 'Spain'],
  ['IT', 'Italy'],
  ['AU', 'Australia'],
  ['NZ', 'New Zealand'],
  ['IN', 'India'],
  ['JP', 'Japan']
];

/** One line summary: "Ada Lovelace, 12 Analytical Row, London SW1 1AA, GB". */
export function formatAddress(address: AddressValues): string {
  return [
    address.full_name,
    address.line1,
    address.line2,
    `${address.city}${address.state ? `, ${address.state}` : ''} ${address.postal_code}`.trim(),
    address.country
  ]
    .filter(Boolean)
    .join(', ');
}
