/**
 * Reading the Grafana dashboards in monitoring/grafana/dashboards/ and turning their panels'
 * queries into PromQL Prometheus can run, the way Grafana substitutes template variables.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The datasource reference every panel and query must use (see the datasource provisioning). */
export interface DatasourceRef {
  type?: string;
  uid?: string;
}

/** A query of a panel. */
export interface PanelTarget {
  refId: string;
  expr?: string;
  legendFormat?: string;
  datasource?: DatasourceRef;
  instant?: boolean;
  range?: boolean;
  format?: string;
}

/** The part of a Grafana panel the tests and the renderer read. */
export interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: DatasourceRef;
  targets?: PanelTarget[];
  panels?: Panel[];
  fieldConfig?: {
    defaults?: {
      unit?: string;
      min?: number;
      max?: number;
      decimals?: number;
      thresholds?: { steps: { color: string; value: number | null }[] };
      custom?: { stacking?: { mode?: string } };
    };
  };
}

/** A template variable (only `query` variables over label_values() are used here). */
export interface TemplateVariable {
  name: string;
  type: string;
  label?: string;
  datasource?: DatasourceRef;
  query?: { query?: string } | string;
  definition?: string;
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string;
}

/** The part of a Grafana dashboard the tests and the renderer read. */
export interface Dashboard {
  uid: string;
  title: string;
  description?: string;
  panels: Panel[];
  templating?: { list: TemplateVariable[] };
  __inputs?: unknown;
}

/** A dashboard file and its parsed content. */
export interface DashboardFile {
  file: string;
  dashboard: Dashboard;
  text: string;
}

/** Every `*.json` in `dir`, parsed, sorted by file name. */
export function loadDashboards(dir: string): DashboardFile[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => {
      const text = readFileSync(join(dir, name), 'utf8');
      return { file: name, text, dashboard: JSON.parse(text) as Dashboard };
    });
}

/** Every panel, rows' nested panels included (a collapsed row keeps its panels inside it). */
export function allPanels(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

/** Panels that draw data (everything but rows). */
export function dataPanels(dashboard: Dashboard): Panel[] {
  return allPanels(dashboard).filter((panel) => panel.type !== 'row');
}

/** The PromQL of a template variable's query, e.g. `label_values(up{job="node"}, instance)`. */
export function variableQuery(variable: TemplateVariable): string {
  return typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
}

/** `label_values(selector, label)` split into its parts, or undefined for any other query. */
export function parseLabelValues(query: string): { selector: string; label: string } | undefined {
  const match = /^\s*label_values\(\s*(.+?)\s*,\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$/.exec(query);
  return match ? { selector: match[1] as string, label: match[2] as string } : undefined;
}

/**
 * Replaces Grafana's variables in `expr`: the dashboard's own (`$name`, `${name}`,
 * `[[name]]`) from `values`, and the built-in intervals. `rateInterval` stands in for
 * `$__rate_interval` (Grafana: at least four scrape intervals).
 */
export function substituteVariables(
  expr: string,
  values: Record<string, string>,
  rateInterval = '1m'
): string {
  const builtins: Record<string, string> = {
    __rate_interval: rateInterval,
    __interval: '15s',
    __range: '1h'
  };
  const all = { ...builtins, ...values };
  return expr.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::[a-z]+)?\}|\[\[([A-Za-z_][A-Za-z0-9_]*)\]\]|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (token: string, braced?: string, bracketed?: string, bare?: string) => {
      const name = (braced ?? bracketed ?? bare) as string;
      const value = all[name];
      if (value === undefined) throw new Error(`undefined template variable ${token} in ${expr}`);
      return value;
    }
  );
}

/** The names of the template variables `expr` uses (built-ins excluded). */
export function usedVariables(expr: string): string[] {
  const names = new Set<string>();
  for (const match of expr.matchAll(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|\[\[([A-Za-z_][A-Za-z0-9_]*)\]\]|\$([A-Za-z_][A-Za-z0-9_]*)/g
  )) {
    const name = (match[1] ?? match[2] ?? match[3]) as string;
    if (!name.startsWith('__')) names.add(name);
  }
  return [...names];
}
