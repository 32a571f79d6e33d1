/** Formatting values the way Grafana's units do, for the rendered dashboard pictures. */

const IEC = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
const SI_BITS = ['b/s', 'kb/s', 'Mb/s', 'Gb/s', 'Tb/s'];

function scaled(value: number, base: number, units: string[], decimals: number): string {
  let v = Math.abs(value);
  let i = 0;
  while (v >= base && i < units.length - 1) {
    v /= base;
    i++;
  }
  return `${value < 0 ? '-' : ''}${v.toFixed(v >= 100 || i === 0 ? Math.min(decimals, 0) : decimals)} ${units[i]}`;
}

function duration(seconds: number, decimals: number): string {
  const abs = Math.abs(seconds);
  if (abs === 0) return '0 s';
  if (abs < 1) return `${(seconds * 1000).toFixed(abs < 0.01 ? 2 : Math.min(decimals, 1))} ms`;
  if (abs < 60) return `${seconds.toFixed(Math.min(decimals, 2))} s`;
  if (abs < 3600) return `${(seconds / 60).toFixed(1)} min`;
  if (abs < 86400) return `${(seconds / 3600).toFixed(1)} hours`;
  return `${(seconds / 86400).toFixed(1)} days`;
}

/** `value` in `unit` (a Grafana unit id), with `decimals` places where it makes sense. */
export function formatValue(value: number, unit = 'none', decimals = 2): string {
  if (!Number.isFinite(value)) return 'N/A';
  switch (unit) {
    case 'percent':
      return `${value.toFixed(decimals)}%`;
    case 'percentunit':
      return `${(value * 100).toFixed(decimals)}%`;
    case 'bytes':
      return scaled(value, 1024, IEC, decimals || 1);
    case 'Bps':
      return `${scaled(value, 1024, IEC, 1)}/s`;
    case 'bps':
      return scaled(value, 1000, SI_BITS, 1);
    case 's':
      return duration(value, decimals);
    case 'reqps':
      return `${value.toFixed(decimals)} req/s`;
    case 'ops':
      return `${value.toFixed(decimals)} ops/s`;
    default:
      return Number.isInteger(value) ? String(value) : value.toFixed(decimals);
  }
}

/** Grafana's legendFormat: `{{label}}` replaced by the series' label values. */
export function legendName(format: string | undefined, labels: Record<string, string>): string {
  if (!format) {
    const rest = Object.entries(labels).filter(([k]) => k !== '__name__');
    return rest.length === 0 ? 'value' : `{${rest.map(([k, v]) => `${k}="${v}"`).join(', ')}}`;
  }
  return format.replace(
    /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g,
    (_m, name: string) => labels[name] ?? ''
  );
}
