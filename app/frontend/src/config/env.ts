/**
 * Build-time configuration, parsed once at startup so a wrong value fails loudly with the
 * variable's name instead of as a puzzling request later. Everything has a default: the
 * storefront is served beside the backend, so the API is the same origin's `/api`.
 *
 * Checked by hand, not with Zod as the forms are: this runs on the first page, and zod's core
 * was about 12 kB gzip of that page's JavaScript budget (docs/benchmarks.md, Storefront).
 */
export type Env = { API_URL: string; APP_NAME: string };

/** Each variable's default and its check: the problem with a value, or null when it is fine. */
const VARIABLES: {
  [K in keyof Env]: { fallback: string; problem: (value: string) => string | null };
} = {
  API_URL: {
    fallback: '/api',
    problem: (value) =>
      /^(\/|https?:\/\/)/.test(value) ? null : 'must be a path starting with / or an http(s) URL'
  },
  APP_NAME: {
    fallback: 'Brightcart',
    problem: (value) => (value.length >= 1 ? null : 'must not be empty')
  }
};

/** Reads VITE_* variables (without the prefix) and validates them. */
export function parseEnv(source: Record<string, unknown>): Env {
  const env = {} as Env;
  const problems: string[] = [];
  for (const name of Object.keys(VARIABLES) as (keyof Env)[]) {
    const { fallback, problem } = VARIABLES[name];
    const value = source[`VITE_${name}`] ?? fallback;
    const found = typeof value === 'string' ? problem(value) : 'must be a string';
    if (found) problems.push(`- VITE_${name}: ${found}`);
    else env[name] = value as string;
  }
  if (problems.length) {
    throw new Error(`Invalid storefront configuration:\n${problems.join('\n')}`);
  }
  return env;
}

export const env = parseEnv(import.meta.env);
