/** The few calls of Prometheus's HTTP API (/api/v1) the tests and the renderer make. */

/** One series of an instant or range query. */
export interface PromSeries {
  metric: Record<string, string>;
  /** Instant query: [unix seconds, value as text]. */
  value?: [number, string];
  /** Range query: each [unix seconds, value as text]. */
  values?: [number, string][];
}

/** A scrape target as /api/v1/targets reports it. */
export interface PromTarget {
  labels: Record<string, string>;
  scrapePool: string;
  scrapeUrl: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
}

/** An error answer from Prometheus (a query that does not parse, an unknown function...). */
export class PrometheusQueryError extends Error {
  constructor(
    readonly expr: string,
    readonly errorType: string,
    detail: string
  ) {
    super(`Prometheus rejected ${JSON.stringify(expr)}: ${errorType}: ${detail}`);
    this.name = 'PrometheusQueryError';
  }
}

async function call<T>(
  base: string,
  path: string,
  params: Record<string, string>,
  expr = ''
): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
    signal: AbortSignal.timeout(10_000)
  });
  const body = (await response.json()) as {
    status: string;
    data: T;
    errorType?: string;
    error?: string;
  };
  if (body.status !== 'success') {
    throw new PrometheusQueryError(
      expr,
      body.errorType ?? String(response.status),
      body.error ?? ''
    );
  }
  return body.data;
}

/** Runs an instant query at `time` (unix seconds; default now). */
export async function instantQuery(
  base: string,
  expr: string,
  time?: number
): Promise<PromSeries[]> {
  const params: Record<string, string> = { query: expr };
  if (time !== undefined) params.time = String(time);
  const data = await call<{ resultType: string; result: PromSeries[] | [number, string] }>(
    base,
    '/api/v1/query',
    params,
    expr
  );
  // A scalar expression answers one [time, value] pair rather than series.
  if (data.resultType === 'scalar') return [{ metric: {}, value: data.result as [number, string] }];
  return data.result as PromSeries[];
}

/** Runs a range query from `start` to `end` (unix seconds) every `step` seconds. */
export async function rangeQuery(
  base: string,
  expr: string,
  start: number,
  end: number,
  step: number
): Promise<PromSeries[]> {
  const data = await call<{ result: PromSeries[] }>(
    base,
    '/api/v1/query_range',
    { query: expr, start: String(start), end: String(end), step: String(step) },
    expr
  );
  return data.result;
}

/** The active scrape targets. */
export async function activeTargets(base: string): Promise<PromTarget[]> {
  const response = await fetch(`${base}/api/v1/targets?state=active`, {
    signal: AbortSignal.timeout(5000)
  });
  const body = (await response.json()) as { data: { activeTargets: PromTarget[] } };
  return body.data.activeTargets;
}

/** The values of `label` on the series matching `selector` (Grafana's label_values()). */
export async function labelValues(
  base: string,
  label: string,
  selector: string
): Promise<string[]> {
  const url = `${base}/api/v1/label/${encodeURIComponent(label)}/values?match[]=${encodeURIComponent(selector)}`;
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  const body = (await response.json()) as { status: string; data: string[] };
  return body.data;
}

/** The rule groups and when each was last evaluated (RFC 3339; year 1 when never). */
export async function ruleGroups(
  base: string
): Promise<{ name: string; file: string; lastEvaluation: string }[]> {
  const response = await fetch(`${base}/api/v1/rules`, { signal: AbortSignal.timeout(5000) });
  const body = (await response.json()) as {
    data: { groups: { name: string; file: string; lastEvaluation: string }[] };
  };
  return body.data.groups;
}
