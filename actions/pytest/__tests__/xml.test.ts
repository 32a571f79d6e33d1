import { describe, expect, it } from '@jest/globals';
import { XmlError, childrenNamed, descendantsNamed, parseXml } from '../src/xml.js';

describe('parseXml', () => {
  it('reads elements, attributes, text, CDATA and entities', () => {
    const root = parseXml(
      `\uFEFF<?xml version="1.0" encoding="utf-8"?>\n<!-- a report -->\n<!DOCTYPE suites>\n` +
        `<suites a='1' b="x &amp; y &lt;z&gt; &quot;q&quot; &apos;s&apos; &#65;&#x42;">` +
        `<case name="one"/><case name="two">text &amp; more<![CDATA[<raw> & ]]>tail</case></suites>`
    );
    expect(root.name).toBe('suites');
    expect(root.attributes).toEqual({ a: '1', b: `x & y <z> "q" 's' AB` });
    const cases = childrenNamed(root, 'case');
    expect(cases.map((c) => c.attributes.name)).toEqual(['one', 'two']);
    expect(cases[1]?.text).toBe('text & more<raw> & tail');
  });

  it('keeps &#10; in attribute values as a newline but turns literal newlines into spaces', () => {
    const root = parseXml('<f message="line one&#10;line two" other="a\nb"/>');
    expect(root.attributes.message).toBe('line one\nline two');
    expect(root.attributes.other).toBe('a b');
  });

  it('finds descendants at any depth, each once', () => {
    const root = parseXml('<a><b><c id="1"/><b><c id="2"/></b></b><c id="3"/></a>');
    expect(descendantsNamed(root, 'c').map((c) => c.attributes.id)).toEqual(['1', '2', '3']);
  });

  it.each([
    ['an empty document', '', /the document is empty at line 1/],
    [
      'a truncated file',
      '<testsuites><testsuite name="x">',
      /element <testsuite> is not closed at line 1, column 13/
    ],
    ['a mismatched closing tag', '<a>\n<b></a>', /<\/a> closes <b> at line 2/],
    ['an unknown entity', '<a>&nbsp;</a>', /unknown entity "&nbsp;" at line 1, column 4/],
    ['an unquoted attribute', '<a b=1/>', /attribute "b" needs a quoted value/],
    ['text after the root', '<a/><b/>', /content after the root element/],
    ['an unterminated CDATA section', '<a><![CDATA[x</a>', /unterminated CDATA section/]
  ])('rejects %s with the place it broke', (_what, xml, message) => {
    expect(() => parseXml(xml)).toThrow(XmlError);
    expect(() => parseXml(xml)).toThrow(message);
  });
});
