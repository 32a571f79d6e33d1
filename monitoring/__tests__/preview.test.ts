/** The small pure helpers behind the dashboard tests and pictures, including their bad inputs. */
import { describe, expect, test } from '@jest/globals';
import { parseLabelValues, substituteVariables, usedVariables } from '../preview/dashboards.js';
import { formatValue, legendName } from '../preview/format.js';
import { PREVIEW_PANEL_TYPES, dashboardHtml } from '../preview/render-page.js';

describe('template variables', () => {
  test('$name, ${name} and [[name]] are replaced, and $__rate_interval by the given window', () => {
    expect(
      substituteVariables(
        'rate(x{a="$server", b="${server}", c="[[server]]"}[$__rate_interval])',
        { server: 's1' },
        '2m'
      )
    ).toBe('rate(x{a="s1", b="s1", c="s1"}[2m])');
  });
  test('an undefined variable gets an error naming it and the query', () => {
    expect(() => substituteVariables('up{instance="$host"}', {})).toThrow(
      'undefined template variable $host in up{instance="$host"}'
    );
  });
  test('usedVariables lists the dashboard variables, not the built-in ones', () => {
    expect(usedVariables('rate(x{i=~"$server"}[$__rate_interval])')).toEqual(['server']);
  });
  test('label_values(selector, label) is split; any other query gets undefined', () => {
    expect(parseLabelValues('label_values(node_uname_info{job="node"}, instance)')).toEqual({
      selector: 'node_uname_info{job="node"}',
      label: 'instance'
    });
    expect(parseLabelValues('query_result(up)')).toBeUndefined();
  });
});

describe('formatting like Grafana units', () => {
  test.each([
    [0.5, 'percentunit', 2, '50.00%'],
    [1536, 'bytes', 1, '1.5 KiB'],
    [25 * 1024 ** 3, 'bytes', 1, '25.0 GiB'],
    [0.0437, 's', 3, '43.7 ms'],
    [11_160, 's', 1, '3.1 hours'],
    [2.5, 'reqps', 2, '2.50 req/s'],
    [8_000_000, 'bps', 1, '8.0 Mb/s'],
    [Number.NaN, 'percent', 1, 'N/A']
  ])('%p in %s is %p', (value, unit, decimals, text) => {
    expect(formatValue(value, unit, decimals)).toBe(text);
  });
  test('legendFormat takes label values; without one, the labels are listed', () => {
    expect(legendName('{{view}} {{status}}', { view: 'product:product', status: '404' })).toBe(
      'product:product 404'
    );
    expect(legendName(undefined, { __name__: 'up', job: 'node' })).toBe('{job="node"}');
  });
});

describe('panels the preview does not draw', () => {
  test('are drawn as a labelled box, and the panels around them as usual', () => {
    const panel = (id: number, type: string, x: number) => ({
      id,
      type,
      title: `panel ${id}`,
      gridPos: { h: 6, w: 8, x, y: 0 }
    });
    const html = dashboardHtml({
      dashboard: { uid: 'u', title: 'T', panels: [panel(1, 'heatmap', 0), panel(2, 'stat', 8)] },
      variables: {},
      from: 0,
      to: 3600,
      panels: [
        { panel: panel(1, 'heatmap', 0), series: [] },
        { panel: panel(2, 'stat', 8), series: [{ name: 'up', labels: {}, points: [[0, 1]] }] }
      ]
    });
    expect(PREVIEW_PANEL_TYPES).not.toContain('heatmap');
    expect(html).toContain('heatmap panel: drawn by Grafana, not by this preview');
    expect(html).toContain('panel 2');
    expect(html).not.toContain('stat panel: drawn by Grafana');
  });
});
