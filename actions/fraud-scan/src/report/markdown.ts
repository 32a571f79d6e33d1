/**
 * Text from the scanned table (billing fields, ids, anything a customer could type) goes into
 * GitHub issues, comments and job summaries. GitHub renders those as Markdown with HTML, turns
 * `@name` into a notification, `#12` into a cross-reference and bare URLs into links — everywhere
 * except inside code. So every value from the data is shown as a code span: no link, image,
 * mention, reference or HTML can come out of it. Around the span, characters that could end it,
 * the table cell or the line are neutralised.
 */

/** Longest value shown; the CSV report keeps the whole value. */
export const MAX_SHOWN = 120;

// C0/C1 controls (line breaks included), zero-width and bidirectional-override characters:
// they can end a table row, or make a value read differently from what it is.
const INVISIBLE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/** The value with control and invisible characters made visible (U+FFFD) and long values cut. */
export function visible(value: string, max = MAX_SHOWN): string {
  const clean = value.replace(INVISIBLE, '\ufffd');
  const chars = [...clean];
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : clean;
}

/** A code span holding `value` literally, whatever backticks it contains (CommonMark 6.1). */
export function code(value: string): string {
  const v = visible(value);
  if (v === '') return '';
  const longest = Math.max(0, ...[...v.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = v.startsWith('`') || v.endsWith('`') || /^ .* $/.test(v) ? ' ' : '';
  return `${fence}${pad}${v}${pad}${fence}`;
}

/**
 * A table cell holding `value` literally: a code span whose pipes are escaped, which GitHub's
 * table parser removes before the span is read (GFM 4.10), so `|` cannot open another column.
 * A backslash is shown as U+29F5 (⧵): before an escaped pipe it would escape the escape.
 */
export function codeCell(value: string): string {
  return code(value.replace(/\\/g, '\u29f5')).replace(/\|/g, '\\|');
}

/** A Markdown table whose cells are given already escaped (codeCell or our own text). */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * Plain text for an issue title (GitHub shows titles as text, with code spans and references):
 * controls made visible, backticks and @ replaced by look-alikes, cut to `max`.
 */
export function titleText(value: string, max = 40): string {
  return visible(value, max).replace(/`/g, "'").replace(/@/g, '\uff20');
}
