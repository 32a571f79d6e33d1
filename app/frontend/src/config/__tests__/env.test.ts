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
