import { parseEnv } from '../env';

describe('parseEnv', () => {
  test('defaults to the same-origin /api when nothing is set', () => {
    expect(parseEnv({})).toEqual({ API_URL: '/api', APP_NAME: 'Brightcart' });
  });

  test('a VITE_API_URL that is neither a path nor a URL fails naming the variable', () => {
    expect(() => parseEnv({ VITE_API_URL: 'api.example.com' })).toThrow(
      /VITE_API_URL: must be a path starting with \/ or an http\(s\) URL/
    );
  });
});

describe('parseEnv, every problem at once', () => {
  test('lists each wrong variable by name, and a value that is not text is one', () => {
    expect(() => parseEnv({ VITE_API_URL: 42, VITE_APP_NAME: '' })).toThrow(
      'Invalid storefront configuration:\n- VITE_API_URL: must be a string\n- VITE_APP_NAME: must not be empty'
    );
  });

  test('keeps an http(s) API URL', () => {
    expect(parseEnv({ VITE_API_URL: 'https://api.example.com' }).API_URL).toBe(
      'https://api.example.com'
    );
  });
});
