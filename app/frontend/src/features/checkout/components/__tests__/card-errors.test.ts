import { cardFieldErrors, formatCardNumber, parseExpiry } from '../card-errors';

describe('card helpers', () => {
  test('expiry accepts 12/34, 12 / 2034, 1234 and 1-34; rejects text', () => {
    expect(parseExpiry('12/34')).toEqual({ month: 12, year: 2034 });
    expect(parseExpiry('12 / 2034')).toEqual({ month: 12, year: 2034 });
    expect(parseExpiry('1234')).toEqual({ month: 12, year: 2034 });
    expect(parseExpiry('1-34')).toEqual({ month: 1, year: 2034 });
    expect(parseExpiry('soon')).toBeNull();
  });

  test('card numbers are grouped in fours and cut at 19 digits', () => {
    expect(formatCardNumber('4242424242424242')).toBe('4242 4242 4242 4242');
    expect(formatCardNumber('4242-4242 42a')).toBe('4242 4242 42');
    expect(formatCardNumber('1'.repeat(25)).replace(/ /g, '')).toHaveLength(19);
  });

  test("the API's payment.card.* field errors land on the visible card fields", () => {
    expect(
      cardFieldErrors({
        'payment.card.number': ['Your card number is incorrect.'],
        'payment.card.exp_month': ['Past.'],
        'card.cvc': ['Bad.'],
        'billing_address.city': ['Required.']
      })
    ).toEqual({ number: ['Your card number is incorrect.'], expiry: ['Past.'], cvc: ['Bad.'] });
  });

  test('an expiry message sent for both month and year is shown once', () => {
    const message = "Your card's expiration date is in the past.";
    expect(
      cardFieldErrors({
        'payment.card.exp_month': [message],
        'payment.card.exp_year': [message]
      })
    ).toEqual({ expiry: [message] });
  });
});
