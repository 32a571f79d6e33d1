import { ConfigurationError } from '../../shared/src/errors.js';

/**
 * Split an `args` input into words the way a POSIX shell would, without running one: spaces
 * separate words, single quotes are literal, double quotes allow `\"` and `\\`, a backslash
 * outside quotes escapes the next character. Nothing is expanded (no `$VAR`, no globs).
 */
export function splitArgs(input: string, inputName: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < input.length; i++) {
    const ch = input[i] ?? '';
    if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (ch === "'") {
      const end = input.indexOf("'", i + 1);
      if (end === -1) throw unterminated(inputName, "'");
      word += input.slice(i + 1, end);
      i = end;
    } else if (ch === '"') {
      let j = i + 1;
      for (; j < input.length && input[j] !== '"'; j++) {
        if (input[j] === '\\' && (input[j + 1] === '"' || input[j + 1] === '\\')) j++;
        word += input[j] ?? '';
      }
      if (j >= input.length) throw unterminated(inputName, '"');
      i = j;
    } else if (ch === '\\' && i + 1 < input.length) {
      i++;
      word += input[i] ?? '';
    } else {
      word += ch;
    }
  }
  if (inWord) words.push(word);
  return words;
}

function unterminated(inputName: string, quote: string): ConfigurationError {
  return new ConfigurationError(`Input "${inputName}" has an unterminated ${quote} quote.`);
}
