import { describe, expect, it } from '@jest/globals';
import { splitArgs } from '../src/args.js';

describe('splitArgs', () => {
  it.each([
    ['', []],
    ['  -x   -q ', ['-x', '-q']],
    [`-k 'not slow and not db'`, ['-k', 'not slow and not db']],
    [`-k "name with \\"quotes\\""`, ['-k', 'name with "quotes"']],
    [`path\\ with\\ spaces -m=unit`, ['path with spaces', '-m=unit']],
    [`--ds=shop.settings ''`, ['--ds=shop.settings', '']],
    ['a"b c"d', ['ab cd']],
    ['$HOME *.py', ['$HOME', '*.py']]
  ])('splits %j like a shell without expanding anything', (input, words) => {
    expect(splitArgs(input, 'args')).toEqual(words);
  });

  it('rejects an unterminated quote, naming the input', () => {
    expect(() => splitArgs(`-k 'oops`, 'args')).toThrow(
      `Input "args" has an unterminated ' quote.`
    );
    expect(() => splitArgs(`-k "oops`, 'args')).toThrow(
      `Input "args" has an unterminated " quote.`
    );
  });
});
