/**
 * A small, strict XML reader for JUnit reports: elements, attributes, text, CDATA, comments,
 * processing instructions, a DOCTYPE without an internal subset, and the predefined and
 * numeric entities. Enough for what pytest (and other JUnit writers) produce, without a
 * dependency; a malformed or truncated file raises an XmlError saying where it broke.
 */

/** One element; `text` is its own character data (text and CDATA), children excluded. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

export class XmlError extends Error {
  override readonly name = 'XmlError';
  constructor(
    message: string,
    readonly line: number,
    readonly column: number
  ) {
    super(`${message} at line ${line}, column ${column}`);
  }
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'"
};

const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;

class Reader {
  pos = 0;
  constructor(readonly src: string) {}

  fail(message: string, at = this.pos): never {
    const before = this.src.slice(0, at);
    const line = before.split('\n').length;
    const column = at - before.lastIndexOf('\n');
    throw new XmlError(message, line, column);
  }

  startsWith(token: string): boolean {
    return this.src.startsWith(token, this.pos);
  }

  expect(token: string): void {
    if (!this.startsWith(token)) this.fail(`expected "${token}"`);
    this.pos += token.length;
  }

  skipWhitespace(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos] ?? '')) this.pos++;
  }

  /** Move past the next `token`, returning what came before it. */
  until(token: string, what: string): string {
    const end = this.src.indexOf(token, this.pos);
    if (end === -1) this.fail(`unterminated ${what}`);
    const text = this.src.slice(this.pos, end);
    this.pos = end + token.length;
    return text;
  }

  name(): string {
    NAME.lastIndex = this.pos;
    const match = NAME.exec(this.src);
    if (!match) this.fail('expected a name');
    this.pos += match[0].length;
    return match[0];
  }
}

/** Replace entity and character references; an unknown entity is an error, not silent text. */
function decodeEntities(text: string, reader: Reader, offset: number): string {
  return text.replace(/&([^;&\s]*);?/g, (whole, ref: string, index: number) => {
    const bad = (): never => reader.fail(`unknown entity "${whole}"`, offset + index);
    if (!whole.endsWith(';')) return bad();
    if (ref.startsWith('#x') || ref.startsWith('#X')) {
      const code = Number.parseInt(ref.slice(2), 16);
      return Number.isNaN(code) ? bad() : String.fromCodePoint(code);
    }
    if (ref.startsWith('#')) {
      const code = Number.parseInt(ref.slice(1), 10);
      return Number.isNaN(code) ? bad() : String.fromCodePoint(code);
    }
    return NAMED_ENTITIES[ref] ?? bad();
  });
}

/** Skip what may sit between elements: whitespace, comments, processing instructions, DOCTYPE. */
function skipMisc(r: Reader): void {
  for (;;) {
    r.skipWhitespace();
    if (r.startsWith('<!--')) {
      r.pos += 4;
      r.until('-->', 'comment');
    } else if (r.startsWith('<?')) {
      r.pos += 2;
      r.until('?>', 'processing instruction');
    } else if (r.startsWith('<!DOCTYPE')) {
      r.pos += 9;
      r.until('>', 'DOCTYPE');
    } else {
      return;
    }
  }
}

function parseAttributes(r: Reader): { attributes: Record<string, string>; selfClosing: boolean } {
  const attributes: Record<string, string> = {};
  for (;;) {
    r.skipWhitespace();
    if (r.startsWith('/>')) {
      r.pos += 2;
      return { attributes, selfClosing: true };
    }
    if (r.startsWith('>')) {
      r.pos += 1;
      return { attributes, selfClosing: false };
    }
    if (r.pos >= r.src.length) r.fail('unterminated start tag');
    const name = r.name();
    r.skipWhitespace();
    r.expect('=');
    r.skipWhitespace();
    const quote = r.src[r.pos];
    if (quote !== '"' && quote !== "'") r.fail(`attribute "${name}" needs a quoted value`);
    r.pos += 1;
    const start = r.pos;
    const raw = r.until(quote, `attribute "${name}"`);
    if (raw.includes('<')) r.fail(`"<" in the value of attribute "${name}"`, start);
    // Attribute-value normalization: literal whitespace becomes spaces; &#10; stays a newline.
    attributes[name] = decodeEntities(raw.replace(/[\t\n\r]/g, ' '), r, start);
  }
}

function parseElement(r: Reader): XmlElement {
  const open = r.pos;
  r.expect('<');
  const name = r.name();
  const { attributes, selfClosing } = parseAttributes(r);
  const element: XmlElement = { name, attributes, children: [], text: '' };
  if (selfClosing) return element;
  const text: string[] = [];
  for (;;) {
    if (r.pos >= r.src.length) r.fail(`element <${name}> is not closed`, open);
    if (r.startsWith('</')) {
      r.pos += 2;
      const closing = r.name();
      if (closing !== name) r.fail(`</${closing}> closes <${name}>`);
      r.skipWhitespace();
      r.expect('>');
      element.text = text.join('');
      return element;
    }
    if (r.startsWith('<![CDATA[')) {
      r.pos += 9;
      text.push(r.until(']]>', 'CDATA section'));
    } else if (r.startsWith('<!--')) {
      r.pos += 4;
      r.until('-->', 'comment');
    } else if (r.startsWith('<?')) {
      r.pos += 2;
      r.until('?>', 'processing instruction');
    } else if (r.startsWith('<')) {
      element.children.push(parseElement(r));
    } else {
      const start = r.pos;
      const next = r.src.indexOf('<', r.pos);
      const end = next === -1 ? r.src.length : next;
      r.pos = end;
      text.push(decodeEntities(r.src.slice(start, end), r, start));
    }
  }
}

/** Parse a document and return its root element. */
export function parseXml(source: string): XmlElement {
  const r = new Reader(source.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n'));
  skipMisc(r);
  if (r.pos >= r.src.length) r.fail('the document is empty');
  const root = parseElement(r);
  skipMisc(r);
  if (r.pos < r.src.length) r.fail('content after the root element');
  return root;
}

/** Direct children with that name. */
export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((child) => child.name === name);
}

/** Every descendant with that name, depth first (JUnit suites may nest). */
export function descendantsNamed(element: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = [];
  const walk = (e: XmlElement): void => {
    for (const child of e.children) {
      if (child.name === name) found.push(child);
      walk(child);
    }
  };
  walk(element);
  return found;
}
