/**
 * The Grafana dashboards' structure. Grafana is not packaged by Debian, so nothing here loads
 * them into a real Grafana: this test checks what Grafana's file provisioning needs and what
 * breaks dashboards silently (a datasource it cannot find, duplicate panel ids, overlapping
 * panels, undefined variables). Every query itself runs against a real Prometheus in
 * live.test.ts.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import {
  dataPanels,
  allPanels,
  loadDashboards,
  parseLabelValues,
  usedVariables,
  variableQuery
} from '../preview/dashboards.js';
// Grafana's built-in panel types (its public/app/plugins/panel folder, Grafana 11): a dashboard may
// use any of them, whether or not the preview in monitoring/preview draws it.
const GRAFANA_PANEL_TYPES = [
  'alertlist',
  'annolist',
  'barchart',
  'bargauge',
  'candlestick',
  'canvas',
  'dashlist',
  'datagrid',
  'flamegraph',
  'gauge',
  'geomap',
  'heatmap',
  'histogram',
  'logs',
  'news',
  'nodeGraph',
  'piechart',
  'stat',
  'state-timeline',
  'status-history',
  'table',
  'text',
  'timeseries',
  'traces',
  'trend',
  'xychart'
];

const GRAFANA = resolve(import.meta.dirname, '..', 'grafana');
const dashboards = loadDashboards(join(GRAFANA, 'dashboards'));

const datasources = parse(
  readFileSync(join(GRAFANA, 'provisioning', 'datasources', 'prometheus.yml'), 'utf8')
) as {
  apiVersion: number;
  datasources: { uid: string; type: string; url: string; isDefault: boolean }[];
};
const provisionedUid = datasources.datasources[0]?.uid;

describe('Grafana provisioning', () => {
  test('one Prometheus datasource with a fixed uid, the default', () => {
    expect(datasources.apiVersion).toBe(1);
    expect(datasources.datasources).toHaveLength(1);
    expect(datasources.datasources[0]).toMatchObject({
      uid: 'prometheus',
      type: 'prometheus',
      isDefault: true
    });
  });

  test('the dashboards provider loads monitoring/grafana/dashboards from files, read-only', () => {
    const providers = parse(
      readFileSync(join(GRAFANA, 'provisioning', 'dashboards', 'ecommerce.yml'), 'utf8')
    ) as {
      apiVersion: number;
      providers: { type: string; allowUiUpdates: boolean; options: { path: string } }[];
    };
    expect(providers.apiVersion).toBe(1);
    expect(providers.providers[0]).toMatchObject({ type: 'file', allowUiUpdates: false });
    expect(providers.providers[0]?.options.path).toMatch(/\/grafana\/dashboards$/);
  });

  test('there are the servers, shop, alerts and fraud-scan dashboards', () => {
    expect(dashboards.map((d) => d.dashboard.uid).sort()).toEqual([
      'ecommerce-alerts',
      'ecommerce-fraud',
      'ecommerce-servers',
      'ecommerce-shop'
    ]);
  });
});

describe.each(dashboards.map((d) => [d.file, d] as const))(
  'dashboard %s',
  (_file, { dashboard, text }) => {
    const panels = allPanels(dashboard);

    test('has a uid Grafana accepts (at most 40 characters), a title and a description', () => {
      expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
      expect(dashboard.title.length).toBeGreaterThan(0);
      expect(dashboard.description?.length).toBeGreaterThan(20);
    });

    test('is written for this project: no ${DS_...} import inputs, no __inputs', () => {
      expect(text).not.toContain('${DS_');
      expect(dashboard.__inputs).toBeUndefined();
    });

    test('panel ids are unique', () => {
      const ids = panels.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
    });

    test('every panel has a gridPos inside the 24 columns and no two panels overlap', () => {
      const cells = new Map<string, string>();
      for (const panel of panels) {
        const { x, y, w, h } = panel.gridPos;
        expect({
          panel: panel.title,
          ok: x >= 0 && w > 0 && h > 0 && x + w <= 24 && y >= 0
        }).toEqual({
          panel: panel.title,
          ok: true
        });
        for (let row = y; row < y + h; row++) {
          for (let col = x; col < x + w; col++) {
            const key = `${row},${col}`;
            expect({ cell: key, taken: cells.get(key), by: panel.title }).toEqual({
              cell: key,
              taken: undefined,
              by: panel.title
            });
            cells.set(key, panel.title);
          }
        }
      }
    });

    test('every data panel has a title, a description and queries with a PromQL expression', () => {
      for (const panel of dataPanels(dashboard)) {
        expect(GRAFANA_PANEL_TYPES).toContain(panel.type);
        expect(panel.title.length).toBeGreaterThan(0);
        expect(panel.description?.length ?? 0).toBeGreaterThan(10);
        expect(panel.targets?.length ?? 0).toBeGreaterThan(0);
        for (const target of panel.targets ?? [])
          expect(target.expr?.trim().length ?? 0).toBeGreaterThan(0);
      }
    });

    test('every panel, query and variable uses the provisioned datasource uid', () => {
      expect(provisionedUid).toBe('prometheus');
      for (const panel of dataPanels(dashboard)) {
        expect({ panel: panel.title, uid: panel.datasource?.uid }).toEqual({
          panel: panel.title,
          uid: provisionedUid
        });
        for (const target of panel.targets ?? []) {
          expect({ panel: panel.title, uid: target.datasource?.uid }).toEqual({
            panel: panel.title,
            uid: provisionedUid
          });
        }
      }
      for (const variable of dashboard.templating?.list ?? [])
        expect(variable.datasource?.uid).toBe(provisionedUid);
    });

    test('every template variable a query uses is defined, as a label_values() query', () => {
      const defined = new Map((dashboard.templating?.list ?? []).map((v) => [v.name, v]));
      for (const panel of dataPanels(dashboard)) {
        for (const target of panel.targets ?? []) {
          for (const name of usedVariables(target.expr ?? '')) {
            expect({ panel: panel.title, variable: name, defined: defined.has(name) }).toEqual({
              panel: panel.title,
              variable: name,
              defined: true
            });
          }
        }
      }
      for (const variable of defined.values()) {
        expect(variable.type).toBe('query');
        expect(parseLabelValues(variableQuery(variable))).toBeDefined();
      }
    });
  }
);

test("the servers dashboard selects one server through a template variable and has the original project's quick gauges", () => {
  const servers = dashboards.find((d) => d.dashboard.uid === 'ecommerce-servers')?.dashboard;
  expect(servers?.templating?.list.map((v) => v.name)).toEqual(['server']);
  const titles = dataPanels(servers!).map((p) => `${p.type}:${p.title}`);
  expect(titles).toEqual(
    expect.arrayContaining([
      'gauge:CPU busy',
      'gauge:RAM used',
      'gauge:Root disk used',
      'timeseries:CPU',
      'timeseries:Memory',
      'timeseries:Network traffic',
      'timeseries:Disk space used'
    ])
  );
});
