/** One request to the shop through the load balancer. */
export interface ProbeResult {
  label: string;
  url: string;
  ok: boolean;
  /** HTTP status, or undefined when no answer came (refused, timed out, DNS). */
  status: number | undefined;
  /** Why it is not OK, or what it answered. */
  detail: string;
  /** The first characters of the body, for the evidence. */
  bodyExcerpt: string;
  ms: number;
}

export type Expectation = 'any' | 'json' | 'html';

const EXCERPT = 160;

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT ? `${flat.slice(0, EXCERPT)}…` : flat;
}

/**
 * GET one URL with a timeout. OK means a 2xx answer and, for the catalog, a JSON body; for the
 * storefront, an HTML page — a load balancer's own error page or an empty 200 is not a shop.
 */
export async function probe(
  label: string,
  url: string,
  expect: Expectation,
  timeoutMs: number
): Promise<ProbeResult> {
  const started = Date.now();
  try {
    const response = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'follow',
      headers: { 'User-Agent': 'ecommerce-rollout-check', Accept: '*/*' }
    });
    const body = await response.text();
    const ms = Date.now() - started;
    const base = { label, url, status: response.status, bodyExcerpt: excerpt(body), ms };
    if (!response.ok) return { ...base, ok: false, detail: `HTTP ${response.status}` };
    if (expect === 'json') {
      try {
        JSON.parse(body);
      } catch {
        return { ...base, ok: false, detail: `HTTP ${response.status} but the body is not JSON` };
      }
    }
    if (expect === 'html' && !/<html|<!doctype html/i.test(body)) {
      return {
        ...base,
        ok: false,
        detail: `HTTP ${response.status} but the body is not an HTML page`
      };
    }
    return { ...base, ok: true, detail: `HTTP ${response.status}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const name = (error as Error).name;
    const detail =
      name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : `${cause ?? name}: ${(error as Error).message}`;
    return {
      label,
      url,
      ok: false,
      status: undefined,
      detail,
      bodyExcerpt: '',
      ms: Date.now() - started
    };
  }
}
