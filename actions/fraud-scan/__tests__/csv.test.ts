import { describe, expect, it } from '@jest/globals';
import { CsvParser } from '../src/sources/csv.js';

describe('CSV parser', () => {
  it('handles quotes, doubled quotes, commas and line breaks inside fields, and empty fields as null', () => {
    const p = new CsvParser();
    const text = 'a,b,c\n1,"x, ""y""",\n2,"two\nlines",z';
    expect([...p.push(text), ...p.end()]).toEqual([
      ['a', 'b', 'c'],
      ['1', 'x, "y"', null],
      ['2', 'two\nlines', 'z']
    ]);
  });
  it('gives the same records whatever the chunk boundaries', () => {
    const text = 'id,v\n1,"a""b"\r\n2,"c,d"\n3,\n';
    const whole = new CsvParser();
    const expected = [...whole.push(text), ...whole.end()];
    for (let size = 1; size < text.length; size++) {
      const p = new CsvParser();
      const got: (string | null)[][] = [];
      for (let i = 0; i < text.length; i += size) got.push(...p.push(text.slice(i, i + size)));
      got.push(...p.end());
      expect(got).toEqual(expected);
    }
  });
});
