import { createHash } from 'node:crypto';
import type { FeatureProfile } from '../features/profile.js';
import type { Row } from '../features/row.js';
import { text } from '../features/row.js';
import type { Flagged } from '../scan.js';

/**
 * Flagged rows that share a card, an account or an IP address are one case for a risk team:
 * a card-testing burst is dozens of rows on one card, an account takeover many cards on one
 * account. Each row gets keys (`card:…`, `account:…`, `ip:…`); rows linked through any key,
 * directly or through other rows, form one cluster and get one issue.
 *
 * Keys are written into issue bodies as hidden markers, so they hold no personal data: a card
 * is its fingerprint's 8-character prefix (the same the issue shows), an account its id, an IP
 * address a 10-character SHA-256 prefix. A hash of an IP address can be reversed by trying
 * every address, so it keeps the address out of sight, not out of reach — one more reason the
 * issues belong in a private repository.
 */

const hash = (value: string): string =>
  createHash('sha256').update(value).digest('hex').slice(0, 10);

/** The keys linking one row to others, by profile. */
export function clusterKeys(profile: FeatureProfile['name'], row: Row): string[] {
  const keys: string[] = [];
  const add = (kind: string, value: string): void => {
    if (value !== '') keys.push(`${kind}:${value}`);
  };
  if (profile === 'transactions') {
    add('card', text(row.card_fingerprint).slice(0, 8));
    add('account', text(row.user_id));
    const ip = text(row.client_ip);
    if (ip !== '') add('ip', hash(ip));
  } else {
    const digits = text(row.card_number).replace(/\D/g, '');
    if (digits !== '') add('card', hash(digits));
    add('account', text(row.user_id));
  }
  return keys;
}

/** A row's keys, or its own id when it has none (a row alone is a cluster of one). */
export function keysOf(f: Flagged): string[] {
  return f.keys && f.keys.length ? f.keys : [`txn:${f.id}`];
}

/** Rows grouped into clusters (union-find over shared keys), highest score first in each. */
export function groupRows(rows: readonly Flagged[]): Flagged[][] {
  const parent = rows.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i] as number] as number;
      i = parent[i] as number;
    }
    return i;
  };
  const owner = new Map<string, number>();
  rows.forEach((f, i) => {
    for (const key of keysOf(f)) {
      const j = owner.get(key);
      if (j === undefined) owner.set(key, i);
      else parent[find(i)] = find(j);
    }
  });
  const groups = new Map<number, Flagged[]>();
  rows.forEach((f, i) => {
    const root = find(i);
    groups.set(root, [...(groups.get(root) ?? []), f]);
  });
  return [...groups.values()]
    .map((g) => g.sort((a, b) => b.score - a.score))
    .sort((a, b) => (b[0] as Flagged).score - (a[0] as Flagged).score);
}

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Severity from the highest score over the threshold: ≥ 10× critical, ≥ 4× high, ≥ 2× medium. */
export function severityOf(scoreOverThreshold: number): Severity {
  if (scoreOverThreshold >= 10) return 'critical';
  if (scoreOverThreshold >= 4) return 'high';
  if (scoreOverThreshold >= 2) return 'medium';
  return 'low';
}

/** The label carrying a severity. */
export const severityLabel = (s: Severity): string => `severity: ${s}`;

export const SEVERITY_COLORS: Record<Severity, string> = {
  critical: 'b60205',
  high: 'd93f0b',
  medium: 'fbca04',
  low: 'c5def5'
};
