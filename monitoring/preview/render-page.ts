/**
 * Draws a dashboard's panels with their data as one self-contained HTML page (inline SVG, no
 * script), in Grafana's dark theme and grid layout, so a headless browser can photograph it for
 * monitoring/README.md. It is a picture of what the panels show, not a Grafana replacement:
 * gauges, stats, bar gauges, time series and tables, with Grafana's units and thresholds.
 */
import type { Dashboard, Panel } from './dashboards.js';
import { formatValue } from './format.js';

/**
 * The panel types this preview draws. Dashboards are not limited to them: any other panel is
 * drawn as a labelled box saying the preview does not draw it (Grafana does).
 */
export const PREVIEW_PANEL_TYPES = [
  'row',
  'gauge',
  'stat',
  'bargauge',
  'timeseries',
  'table'
] as const;

/** One series of a panel: a range for time series, else one value. */
export interface SeriesData {
  name: string;
  labels: Record<string, string>;
  points: [number, number][];
}

/** A panel and the data its queries returned (or the error Prometheus gave). */
export interface PanelData {
  panel: Panel;
  series: SeriesData[];
  error?: string;
}

/** Everything one picture shows. */
export interface DashboardData {
  dashboard: Dashboard;
  variables: Record<string, string>;
  /** Unix seconds. */
  from: number;
  to: number;
  panels: PanelData[];
}

const PAGE_WIDTH = 1600;
const PAD = 12;
const ROW_UNIT = 30;
const GAP = 8;
const HEADER = 64;
const COLUMN = (PAGE_WIDTH - 2 * PAD) / 24;
const PALETTE = [
  '#73BF69',
  '#F2CC0C',
  '#8AB8FF',
  '#FF780A',
  '#F2495C',
  '#5794F2',
  '#B877D9',
  '#FADE2A',
  '#37872D',
  '#C4162A'
];
const NAMED: Record<string, string> = {
  green: '#73BF69',
  orange: '#FF9830',
  red: '#F2495C',
  blue: '#5794F2',
  yellow: '#FADE2A'
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function lastValue(series: SeriesData | undefined): number {
  const points = series?.points ?? [];
  return points.length > 0 ? (points[points.length - 1] as [number, number])[1] : Number.NaN;
}

function thresholdColor(panel: Panel, value: number): string {
  const steps = panel.fieldConfig?.defaults?.thresholds?.steps;
  if (!steps || steps.length === 0) return PALETTE[0] as string;
  let color = steps[0]?.color ?? 'green';
  for (const step of steps) if (step.value !== null && value >= step.value) color = step.color;
  return NAMED[color] ?? color;
}

function unitOf(panel: Panel): string {
  return panel.fieldConfig?.defaults?.unit ?? 'none';
}

function fmt(panel: Panel, value: number): string {
  return formatValue(value, unitOf(panel), panel.fieldConfig?.defaults?.decimals ?? 2);
}

function polar(cx: number, cy: number, r: number, degrees: number): [number, number] {
  const rad = ((degrees - 90) * Math.PI) / 180;
  return [cx + r * Math.cos(rad), cy + r * Math.sin(rad)];
}

function arc(cx: number, cy: number, r: number, from: number, to: number): string {
  const [x1, y1] = polar(cx, cy, r, from);
  const [x2, y2] = polar(cx, cy, r, to);
  return `M ${x1.toFixed(2)} ${y1.toFixed(2)} A ${r} ${r} 0 ${to - from > 180 ? 1 : 0} 1 ${x2.toFixed(2)} ${y2.toFixed(2)}`;
}

function gauge(data: PanelData, width: number, height: number): string {
  const { panel } = data;
  const value = lastValue(data.series[0]);
  const min = panel.fieldConfig?.defaults?.min ?? 0;
  const max = panel.fieldConfig?.defaults?.max ?? 100;
  const size = Math.min(width, height * 1.25);
  const cx = width / 2;
  const cy = height / 2 + size * 0.12;
  const r = size * 0.36;
  const start = -120;
  const sweep = 240;
  const share = Number.isFinite(value) ? Math.max(0, Math.min(1, (value - min) / (max - min))) : 0;
  const color = Number.isFinite(value) ? thresholdColor(panel, value) : '#8e8e8e';
  // The thin outer ring shows where the thresholds start, as Grafana's threshold markers do.
  const steps = panel.fieldConfig?.defaults?.thresholds?.steps ?? [];
  const ring = steps
    .map((step, i) => {
      const lo = step.value ?? min;
      const hi = steps[i + 1]?.value ?? max;
      const a = start + (sweep * (Math.max(lo, min) - min)) / (max - min);
      const b = start + (sweep * (Math.min(hi, max) - min)) / (max - min);
      return b > a
        ? `<path d="${arc(cx, cy, r + size * 0.07, a, b)}" stroke="${NAMED[step.color] ?? step.color}" stroke-width="${size * 0.025}" fill="none"/>`
        : '';
    })
    .join('');
  return `<svg width="${width}" height="${height}">
    <path d="${arc(cx, cy, r, start, start + sweep)}" stroke="#2c3235" stroke-width="${size * 0.1}" fill="none"/>
    ${share > 0 ? `<path d="${arc(cx, cy, r, start, start + sweep * share)}" stroke="${color}" stroke-width="${size * 0.1}" fill="none"/>` : ''}
    ${ring}
    <text x="${cx}" y="${cy + size * 0.06}" text-anchor="middle" font-size="${size * 0.14}" fill="${color}" font-weight="500">${escapeHtml(fmt(panel, value))}</text>
  </svg>`;
}

function stat(data: PanelData, width: number, height: number): string {
  const { panel } = data;
  const items = data.series.length > 0 ? data.series : [{ name: '', labels: {}, points: [] }];
  const size = Math.min(height * 0.42, (width / items.length) * 0.22);
  return `<div class="stat" style="height:${height}px">${items
    .map((series) => {
      const value = lastValue(series);
      const color = Number.isFinite(value) ? thresholdColor(panel, value) : '#8e8e8e';
      const label =
        items.length > 1 ? `<div class="stat-label">${escapeHtml(series.name)}</div>` : '';
      return `<div class="stat-item">${label}<div style="color:${color};font-size:${size}px">${escapeHtml(fmt(panel, value))}</div></div>`;
    })
    .join('')}</div>`;
}

function barGauge(data: PanelData, width: number): string {
  const { panel } = data;
  const max = panel.fieldConfig?.defaults?.max ?? 100;
  return `<div class="bars">${data.series
    .map((series) => {
      const value = lastValue(series);
      const share = Number.isFinite(value) ? Math.max(0, Math.min(1, value / max)) : 0;
      const color = Number.isFinite(value) ? thresholdColor(panel, value) : '#8e8e8e';
      return `<div class="bar"><span class="bar-name">${escapeHtml(series.name)}</span>
        <span class="bar-track" style="width:${width * 0.45}px"><span style="width:${(share * 100).toFixed(1)}%;background:${color}"></span></span>
        <span class="bar-value" style="color:${color}">${escapeHtml(fmt(panel, value))}</span></div>`;
    })
    .join('')}</div>`;
}

function niceStep(range: number, count: number): number {
  const raw = range / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const residual = raw / magnitude;
  const nice = residual > 5 ? 10 : residual > 2 ? 5 : residual > 1 ? 2 : 1;
  return nice * magnitude;
}

function timeLabel(unix: number, span: number): string {
  const d = new Date(unix * 1000);
  const hm = d.toISOString().slice(11, span < 600 ? 19 : 16);
  return hm;
}

function timeSeries(
  data: PanelData,
  from: number,
  to: number,
  width: number,
  height: number
): string {
  const { panel } = data;
  const stacked = panel.fieldConfig?.defaults?.custom?.stacking?.mode === 'normal';
  let series = data.series.map((s, i) => ({ ...s, color: PALETTE[i % PALETTE.length] as string }));
  // Stacked series are drawn as bands from the series below (`base`) to their own top, filled,
  // as Grafana does; otherwise a cumulative line would look like the series' own value.
  const bases = new Map<string, [number, number][]>();
  if (stacked) {
    const totals = new Map<number, number>();
    series = series.map((s) => {
      const base: [number, number][] = [];
      const points = s.points.map(([t, v]) => {
        const below = totals.get(t) ?? 0;
        const total = below + (Number.isFinite(v) ? v : 0);
        totals.set(t, total);
        base.push([t, below]);
        return [t, total] as [number, number];
      });
      bases.set(s.name, base);
      return { ...s, points };
    });
  }
  const legendRows = Math.ceil(series.length / Math.max(1, Math.floor(width / 190)));
  const legendHeight = Math.min(3, legendRows) * 18 + 4;
  const plotLeft = 72;
  const plotTop = 6;
  const plotWidth = width - plotLeft - 12;
  const plotHeight = height - legendHeight - 26;
  const values = series.flatMap((s) => s.points.map(([, v]) => v)).filter(Number.isFinite);
  const defaults = panel.fieldConfig?.defaults;
  let lo = Math.min(defaults?.min ?? Infinity, ...values, 0);
  let hi = Math.max(...values, lo + 1e-9);
  if (defaults?.max !== undefined && hi < defaults.max * 0.2) hi = Math.max(hi, 1e-9);
  if (defaults?.max !== undefined && defaults.max === 100 && hi > 50) hi = 100;
  if (values.length === 0) {
    lo = 0;
    hi = 1;
  }
  // Whole-number panels (decimals: 0, e.g. counts of alerts) get whole-number ticks.
  const step = Math.max(niceStep(hi - lo || 1, 4), defaults?.decimals === 0 ? 1 : 0);
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  if (hi === lo) hi = lo + step;
  // Ticks show as many decimals as their step needs (0.5 → one), not the panel's setting.
  const tickDecimals = Math.max(0, Math.min(3, -Math.floor(Math.log10(step) + 1e-9)));
  const x = (t: number) => plotLeft + ((t - from) / (to - from)) * plotWidth;
  const y = (v: number) => plotTop + plotHeight - ((v - lo) / (hi - lo)) * plotHeight;
  const grid: string[] = [];
  for (let v = lo; v <= hi + step / 2; v += step) {
    grid.push(
      `<line x1="${plotLeft}" x2="${plotLeft + plotWidth}" y1="${y(v)}" y2="${y(v)}" stroke="#2c3235"/>` +
        `<text x="${plotLeft - 6}" y="${y(v) + 4}" text-anchor="end" class="axis">${escapeHtml(formatValue(Math.abs(v) < step / 1e6 ? 0 : v, unitOf(panel), tickDecimals))}</text>`
    );
  }
  const ticks = 6;
  for (let i = 0; i <= ticks; i++) {
    const t = from + ((to - from) * i) / ticks;
    grid.push(
      `<line x1="${x(t)}" x2="${x(t)}" y1="${plotTop}" y2="${plotTop + plotHeight}" stroke="#22252b"/>` +
        `<text x="${x(t)}" y="${plotTop + plotHeight + 16}" text-anchor="${i === 0 ? 'start' : i === ticks ? 'end' : 'middle'}" class="axis">${timeLabel(t, to - from)}</text>`
    );
  }
  const bands = series
    .map((s) => {
      const base = bases.get(s.name);
      if (!base || s.points.length < 2) return '';
      const top = s.points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`);
      const bottom = [...base].reverse().map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`);
      return `<polygon points="${[...top, ...bottom].join(' ')}" fill="${s.color}" fill-opacity="0.25" stroke="none"/>`;
    })
    .join('');
  const lines = series
    .map((s) => {
      const segments: string[] = [];
      let current: string[] = [];
      let previous = -Infinity;
      for (const [t, v] of s.points) {
        // A gap longer than two steps is a gap in the data: Grafana does not join across it.
        if (!Number.isFinite(v) || t - previous > 60) {
          if (current.length > 0) segments.push(current.join(' '));
          current = [];
        }
        if (Number.isFinite(v)) current.push(`${x(t).toFixed(1)},${y(v).toFixed(1)}`);
        previous = t;
      }
      if (current.length > 0) segments.push(current.join(' '));
      return segments
        .map((points) =>
          points.includes(' ')
            ? `<polyline points="${points}" fill="none" stroke="${s.color}" stroke-width="1.6"/>`
            : `<circle cx="${points.split(',')[0]}" cy="${points.split(',')[1]}" r="2" fill="${s.color}"/>`
        )
        .join('');
    })
    .join('');
  const empty =
    values.length === 0
      ? `<text x="${plotLeft + plotWidth / 2}" y="${plotTop + plotHeight / 2}" text-anchor="middle" class="nodata">No data</text>`
      : '';
  const legend = series
    .map(
      (s) =>
        `<span class="legend"><i style="background:${s.color}"></i>${escapeHtml(s.name)}</span>`
    )
    .join('');
  return `<svg width="${width}" height="${plotTop + plotHeight + 22}">${grid.join('')}${bands}${lines}${empty}</svg><div class="legends">${legend}</div>`;
}

function table(data: PanelData): string {
  const columns = [...new Set(data.series.flatMap((s) => Object.keys(s.labels)))].filter(
    (c) => c !== '__name__'
  );
  if (data.series.length === 0) return '<div class="nodata-box">No data</div>';
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const rows = data.series
    .map(
      (s) => `<tr>${columns.map((c) => `<td>${escapeHtml(s.labels[c] ?? '')}</td>`).join('')}</tr>`
    )
    .join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}

function panelBody(
  data: PanelData,
  from: number,
  to: number,
  width: number,
  height: number
): string {
  if (data.error) return `<div class="error">${escapeHtml(data.error)}</div>`;
  switch (data.panel.type) {
    case 'gauge':
      return gauge(data, width, height);
    case 'stat':
      return stat(data, width, height);
    case 'bargauge':
      return barGauge(data, width);
    case 'timeseries':
      return timeSeries(data, from, to, width, height);
    case 'table':
      return table(data);
    default:
      return `<div class="not-drawn">${escapeHtml(data.panel.type)} panel: drawn by Grafana, not by this preview</div>`;
  }
}

/** The whole dashboard as an HTML page `PAGE_WIDTH` pixels wide. */
export function dashboardHtml(data: DashboardData): string {
  const byId = new Map(data.panels.map((p) => [p.panel.id, p]));
  const panels = data.dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  let bottom = 0;
  const boxes = panels.map((panel) => {
    const { x, y, w, h } = panel.gridPos;
    const left = PAD + x * COLUMN;
    const top = HEADER + y * ROW_UNIT;
    const width = w * COLUMN - GAP;
    const height = h * ROW_UNIT - GAP;
    bottom = Math.max(bottom, top + height);
    if (panel.type === 'row') {
      return `<div class="row" style="left:${left}px;top:${top}px;width:${width}px">⌄ ${escapeHtml(panel.title)}</div>`;
    }
    const content = byId.get(panel.id) ?? { panel, series: [], error: 'not queried' };
    return `<div class="panel" style="left:${left}px;top:${top}px;width:${width}px;height:${height}px">
      <div class="title">${escapeHtml(panel.title)}</div>
      <div class="body">${panelBody(content, data.from, data.to, width - 16, height - 34)}</div></div>`;
  });
  const variables = Object.entries(data.variables)
    .map(
      ([name, value]) => `<span class="var"><b>${escapeHtml(name)}</b>${escapeHtml(value)}</span>`
    )
    .join('');
  const range = `${new Date(data.from * 1000).toISOString().slice(0, 16).replace('T', ' ')} – ${new Date(data.to * 1000).toISOString().slice(11, 16)} UTC`;
  return `<!doctype html><html><head><meta charset="utf-8"><style>
    body{margin:0;background:#111217;color:#ccccdc;font:13px/1.3 Inter,"Helvetica Neue",Arial,sans-serif;width:${PAGE_WIDTH}px;height:${bottom + PAD}px;position:relative}
    .head{position:absolute;left:${PAD}px;top:12px;right:${PAD}px;display:flex;align-items:center;gap:14px}
    .head h1{font-size:18px;margin:0 12px 0 0;color:#fff;font-weight:500}
    .var{background:#181b1f;border:1px solid #2a2d33;border-radius:2px;padding:5px 8px}.var b{color:#6e9fff;font-weight:500;margin-right:8px}
    .range{margin-left:auto;background:#181b1f;border:1px solid #2a2d33;padding:5px 8px}
    .row{position:absolute;font-size:15px;font-weight:500;color:#fff;padding-top:4px}
    .panel{position:absolute;background:#181b1f;border:1px solid #2a2d33;border-radius:3px;box-sizing:border-box;overflow:hidden}
    .title{font-weight:500;padding:6px 8px;color:#fff;height:16px;white-space:nowrap;overflow:hidden}
    .body{padding:0 8px}
    .stat{display:flex;align-items:center;justify-content:space-around}.stat-item{text-align:center;font-weight:500}
    .stat-label{font-size:12px;color:#9fa7b3}
    .bars{display:flex;flex-direction:column;gap:10px;padding-top:6px}.bar{display:flex;align-items:center;gap:8px}
    .bar-name{width:52px;color:#ccccdc}.bar-track{height:16px;background:#22252b;display:inline-block}.bar-track span{display:block;height:100%}
    .bar-value{font-weight:500}
    .not-drawn{color:#9fa7b3;font-style:italic;padding-top:12px}
    .axis{fill:#9fa7b3;font-size:11px}.nodata{fill:#9fa7b3;font-size:14px}
    .legends{display:flex;flex-wrap:wrap;gap:2px 14px;font-size:12px;max-height:58px;overflow:hidden}
    .legend i{display:inline-block;width:14px;height:4px;margin-right:6px;vertical-align:middle;border-radius:2px}
    table{border-collapse:collapse;width:100%;font-size:12px}th{text-align:left;color:#6e9fff;font-weight:500;border-bottom:1px solid #2a2d33;padding:4px}
    td{padding:4px;border-bottom:1px solid #22252b}.error{color:#F2495C;padding:8px}.nodata-box{color:#9fa7b3;padding:12px}
  </style></head><body>
  <div class="head"><h1>${escapeHtml(data.dashboard.title)}</h1>${variables}<span class="range">${range}</span></div>
  ${boxes.join('\n')}
  </body></html>`;
}
