import { AxiosError, AxiosHeaders, type AxiosResponse } from 'axios';
import { ApiError, NETWORK_MESSAGE, toApiError } from '../api-error';

function axiosError(status: number, data: unknown): AxiosError {
  const config = { headers: new AxiosHeaders() };
  const response = { status, data, statusText: '', headers: {}, config } as AxiosResponse;
  return new AxiosError('Request failed', 'ERR_BAD_RESPONSE', config, null, response);
}

describe('toApiError', () => {
  test("the API's {message, extra.fields} becomes the message and per-field errors", () => {
    const error = toApiError(
      axiosError(400, {
        message: 'The request is invalid: see the fields.',
        extra: {
          fields: { email: ['This field is required.'], 'billing_address.city': ['Required.'] }
        }
      })
    );
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(400);
    expect(error.message).toBe('The request is invalid: see the fields.');
    expect(error.fieldMessages('email')).toEqual(['This field is required.']);
    expect(error.fields['billing_address.city']).toEqual(['Required.']);
  });

  test('a 402 keeps extra.decline_code for the checkout form', () => {
    const error = toApiError(
      axiosError(402, {
        message: 'Your card was declined.',
        extra: { decline_code: 'card_declined' }
      })
    );
    expect(error.message).toBe('Your card was declined.');
    expect(error.extra.decline_code).toBe('card_declined');
    expect(error.fields).toEqual({});
  });

  test('a body that is not the API shape (a proxy HTML page) still gives a readable sentence', () => {
    expect(toApiError(axiosError(502, '<html>Bad Gateway</html>')).message).toBe(
      'The shop had a problem on its side. Please try again in a moment.'
    );
    expect(toApiError(axiosError(429, '')).message).toBe(
      'Too many attempts. Please wait a minute and try again.'
    );
    expect(toApiError(axiosError(418, null)).message).toBe('The request failed (HTTP 418).');
  });

  test('no response at all (connection refused, offline) says so and that nothing was lost', () => {
    const error = toApiError(new AxiosError('Network Error', 'ERR_NETWORK'));
    expect(error.status).toBe(0);
    expect(error.message).toBe(NETWORK_MESSAGE);
  });

  test('malformed field lists are normalised to arrays of strings', () => {
    const error = toApiError(
      axiosError(400, {
        message: 'Bad.',
        extra: { fields: { name: 'Too long.', stock: [3], junk: 5 } }
      })
    );
    expect(error.fields).toEqual({ name: ['Too long.'], stock: ['3'] });
  });
});
