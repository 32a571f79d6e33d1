import { text } from './row.js';

/**
 * What a card number says about itself, without looking it up anywhere: whether its check
 * digit is right (Luhn), which network its issuer range (IIN/BIN) belongs to, and whether its
 * length is one that network issues.
 */

export type CardBrand =
  'visa' | 'mastercard' | 'amex' | 'discover' | 'jcb' | 'diners' | 'maestro' | 'unknown';

/** True when the digits pass the Luhn check; false for anything that is not 12–19 digits. */
export function luhnValid(number: string): boolean {
  if (!/^\d{12,19}$/.test(number)) return false;
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let digit = number.charCodeAt(number.length - 1 - i) - 48;
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

interface Range {
  brand: CardBrand;
  from: number;
  to: number;
  digits: number;
  lengths: number[];
}

// Published issuer ranges (prefix from..to over the first `digits` digits) and card lengths.
const RANGES: Range[] = [
  { brand: 'amex', from: 34, to: 34, digits: 2, lengths: [15] },
  { brand: 'amex', from: 37, to: 37, digits: 2, lengths: [15] },
  { brand: 'visa', from: 4, to: 4, digits: 1, lengths: [13, 16, 19] },
  { brand: 'mastercard', from: 51, to: 55, digits: 2, lengths: [16] },
  { brand: 'mastercard', from: 2221, to: 2720, digits: 4, lengths: [16] },
  { brand: 'discover', from: 6011, to: 6011, digits: 4, lengths: [16, 19] },
  { brand: 'discover', from: 644, to: 649, digits: 3, lengths: [16, 19] },
  { brand: 'discover', from: 65, to: 65, digits: 2, lengths: [16, 19] },
  { brand: 'jcb', from: 3528, to: 3589, digits: 4, lengths: [16, 17, 18, 19] },
  // Early JCB numbers were 15 digits long.
  { brand: 'jcb', from: 2131, to: 2131, digits: 4, lengths: [15] },
  { brand: 'jcb', from: 1800, to: 1800, digits: 4, lengths: [15] },
  { brand: 'diners', from: 300, to: 305, digits: 3, lengths: [14, 16, 17, 18, 19] },
  { brand: 'diners', from: 36, to: 36, digits: 2, lengths: [14, 16, 17, 18, 19] },
  { brand: 'diners', from: 38, to: 39, digits: 2, lengths: [14, 16, 17, 18, 19] },
  { brand: 'maestro', from: 5018, to: 5018, digits: 4, lengths: [12, 13, 14, 15, 16, 17, 18, 19] },
  { brand: 'maestro', from: 5020, to: 5020, digits: 4, lengths: [12, 13, 14, 15, 16, 17, 18, 19] },
  { brand: 'maestro', from: 5038, to: 5038, digits: 4, lengths: [12, 13, 14, 15, 16, 17, 18, 19] },
  { brand: 'maestro', from: 5893, to: 5893, digits: 4, lengths: [12, 13, 14, 15, 16, 17, 18, 19] },
  { brand: 'maestro', from: 6304, to: 6304, digits: 4, lengths: [12, 13, 14, 15, 16, 17, 18, 19] },
  { brand: 'maestro', from: 6759, to: 6759, digits: 4, lengths: [12, 13, 14, 15, 16, 17, 18, 19] },
  { brand: 'maestro', from: 6761, to: 6763, digits: 4, lengths: [12, 13, 14, 15, 16, 17, 18, 19] }
];

/** The network an issuer range belongs to, and whether the number's length fits it. */
export function cardBrand(number: string): { brand: CardBrand; lengthFits: boolean } {
  if (!/^\d+$/.test(number)) return { brand: 'unknown', lengthFits: false };
  for (const range of RANGES) {
    const prefix = Number(number.slice(0, range.digits));
    if (prefix >= range.from && prefix <= range.to) {
      return { brand: range.brand, lengthFits: range.lengths.includes(number.length) };
    }
  }
  return { brand: 'unknown', lengthFits: false };
}

/** Digits only ("4242 4242-4242 4242" → "4242424242424242"); numbers read as floats lose digits, so text is expected. */
export function cardDigits(value: unknown): string {
  return text(value).replace(/[\s-]/g, '');
}
