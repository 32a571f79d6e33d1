/**
 * What an attacker types into a billing field, and how a test tells that GitHub would render
 * none of it as a mention, link, image, HTML or an extra table column.
 */

export const PAYLOADS = [
  '@octocat',
  '[x](http://evil)',
  '![img](http://evil/x.png)',
  '<img src=x onerror=alert(1)>',
  'a|b|c',
  'line\nbreak | @octocat',
  '=HYPERLINK("http://evil","click")',
  '`@octocat` ``[y](http://evil)``',
  '1 --> @octocat <!--',
  '\\|@octocat',
  '+1+cmd|calc',
  '@SUM(1+1)',
  '-2+3',
  '\tTAB',
  '#1 http://evil/auto'
];

/**
 * The text GitHub would render outside code spans (CommonMark 6.1: a run of n backticks opens
 * a span closed by the next run of exactly n), with the action's own markers and admin links
 * taken out.
 */
export function outsideCode(markdown: string): string {
  let out = '';
  let i = 0;
  while (i < markdown.length) {
    if (markdown[i] !== '`') {
      out += markdown[i];
      i++;
      continue;
    }
    let n = 0;
    while (markdown[i + n] === '`') n++;
    let j = i + n;
    let close = -1;
    while (j < markdown.length) {
      if (markdown[j] === '`') {
        let m = 0;
        while (markdown[j + m] === '`') m++;
        if (m === n) {
          close = j;
          break;
        }
        j += m;
      } else j++;
    }
    if (close === -1) {
      out += markdown.slice(i, i + n);
      i += n;
    } else {
      out += ' CODE ';
      i = close + n;
    }
  }
  return out
    .replace(/<!-- fraud-scan:(txn|key)=\S+ -->/g, '')
    .replace(/\[admin\]\(<https:\/\/shop\.example\.com\/admin\/[^\s<>()]+>\)/g, 'ADMIN');
}

/** Unescaped pipes in a table line (GFM: `\|` does not split cells). */
export function cellCount(line: string): number {
  return line.replace(/\\\|/g, '').split('|').length - 2;
}

/** Every table in `markdown` keeps its header's column count on every row. */
export function tablesIntact(markdown: string): boolean {
  const lines = markdown.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!/^\| (--- \| )*--- \|$/.test(lines[i + 1] as string)) continue;
    const width = cellCount(lines[i] as string);
    for (let k = i + 2; k < lines.length && (lines[k] as string).startsWith('|'); k++) {
      if (cellCount(lines[k] as string) !== width) return false;
    }
  }
  return true;
}

/** Anything outside code that GitHub would turn into a mention, link, image or HTML. */
export function live(markdown: string): string[] {
  const text = outsideCode(markdown);
  const found: string[] = [];
  for (const [name, re] of [
    ['mention', /@[A-Za-z0-9]/],
    ['link', /\]\(/],
    ['image', /!\[/],
    ['html', /<[A-Za-z!/]/],
    ['url', /https?:\/\/(?!github\.com\/octo-org\/)/],
    ['payload', /evil|onerror|HYPERLINK/]
  ] as const) {
    if (re.test(text)) found.push(`${name}: ${text.match(re)?.[0]}`);
  }
  return found;
}
