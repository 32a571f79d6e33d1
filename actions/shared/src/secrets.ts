import * as core from '@actions/core';

/**
 * Every value masked through here is also remembered, so text this process prints itself
 * (command lines, tool output relayed by `exec`, error messages) can be redacted before it is
 * written — the runner's own masking only covers what reaches the log verbatim.
 */
const registered = new Set<string>();

/** Shortest value worth masking; masking "1" or "ab" would shred every log line. */
const MIN_SECRET_LENGTH = 4;

/** Mask a secret in the job log and remember it for redaction. Safe to call with undefined. */
export function maskSecret(value: string | undefined): void {
  if (value === undefined) return;
  for (const part of [value, ...value.split(/\r?\n/)]) {
    const trimmed = part.trim();
    if (trimmed.length < MIN_SECRET_LENGTH || registered.has(trimmed)) continue;
    registered.add(trimmed);
    core.setSecret(trimmed);
  }
}

/** Replace every remembered secret (and any given extra ones) in the text with `***`. */
export function redact(text: string, extra: readonly string[] = []): string {
  let result = text;
  const secrets = [...registered, ...extra.filter((s) => s.length >= MIN_SECRET_LENGTH)];
  // Longest first, so a secret that contains another is replaced whole.
  secrets.sort((a, b) => b.length - a.length);
  for (const secret of secrets) result = result.split(secret).join('***');
  return result;
}

/** For tests: forget the registered secrets. */
export function clearRegisteredSecrets(): void {
  registered.clear();
}
