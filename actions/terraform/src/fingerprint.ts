import { createHash } from 'node:crypto';
import type { ChangeAction, PlanDocument } from './plan-json.js';

/**
 * A plan's fingerprint: what it would do to each managed resource — the address, the actions
 * and a hash of the values the resource would have afterwards — so the plan applied after a
 * merge can be held to the plan reviewed on the pull request without carrying the plan file.
 *
 * Three things are left out on purpose:
 * - values Terraform does not know yet (`after_unknown`): they differ between any two plans;
 * - sensitive values (`after_sensitive`): the fingerprint is posted on the pull request, and a
 *   hash of a short secret can be guessed; the resource's actions still count;
 * - the values of the "unreviewed variables" (the images, which a pull request's plan cannot
 *   know before they are built): inside every value they are replaced by `${var.<name>}`, and
 *   an update whose every known change is such a value is no change of the infrastructure.
 */
export interface FingerprintEntry {
  address: string;
  actions: ChangeAction[];
  /** SHA-256 (first 32 hex digits) of the canonical JSON of the known after-values. */
  after: string;
}

export interface Fingerprint {
  /** SHA-256 of the entries' canonical JSON; the empty plan has the empty list's digest. */
  digest: string;
  entries: FingerprintEntry[];
  /** Addresses left out because only unreviewed variables' values changed in them. */
  unreviewedOnly: string[];
}

export interface FingerprintDifference {
  address: string;
  reviewed: FingerprintEntry | undefined;
  current: FingerprintEntry | undefined;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const SENSITIVE = '(sensitive)';

/** Leaves of a JSON value by path ("a.b[0]"); objects and arrays are walked. */
function leaves(value: unknown, prefix = '', out = new Map<string, Json>()): Map<string, Json> {
  if (Array.isArray(value)) {
    if (value.length === 0) out.set(prefix, []);
    value.forEach((item, i) => leaves(item, `${prefix}[${i}]`, out));
  } else if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0) out.set(prefix, {});
    for (const key of keys) {
      leaves((value as Record<string, unknown>)[key], prefix ? `${prefix}.${key}` : key, out);
    }
  } else {
    out.set(prefix, (value ?? null) as Json);
  }
  return out;
}

/** Paths whose flag is `true` in an after_unknown / after_sensitive structure. */
function flaggedPaths(flags: unknown): string[] {
  if (flags === true) return [''];
  return [...leaves(flags)].filter(([, v]) => v === true).map(([p]) => p);
}

/** True when `path` is `flagged` itself or lies inside it. */
function within(path: string, flagged: readonly string[]): boolean {
  return flagged.some(
    (f) => f === '' || path === f || path.startsWith(`${f}.`) || path.startsWith(`${f}[`)
  );
}

/** A copy of `value` with every string's occurrences of the placeholders' values replaced. */
function substitute(value: Json, placeholders: readonly [string, string][]): Json {
  if (typeof value === 'string') {
    let text = value;
    for (const [name, raw] of placeholders) text = text.split(raw).join(`\${var.${name}}`);
    return text;
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, placeholders));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, substitute(v, placeholders)])
    );
  }
  return value;
}

/** JSON with object keys sorted, so equal values always serialise to equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The values of the named root variables, as the plan recorded them (strings only). */
function placeholderValues(plan: PlanDocument, names: readonly string[]): [string, string][] {
  const found: [string, string][] = [];
  for (const name of names) {
    const value = plan.variables?.[name]?.value;
    // An empty value would match everywhere; it means "not set", nothing to stand in for.
    if (typeof value === 'string' && value !== '') found.push([name, value]);
  }
  // Longest first, so a value containing another is replaced whole.
  return found.sort((a, b) => b[1].length - a[1].length);
}

/** Fingerprint a plan; `unreviewedVariables` names root variables whose values are ignored. */
export function fingerprintPlan(
  plan: PlanDocument,
  unreviewedVariables: readonly string[] = []
): Fingerprint {
  const placeholders = placeholderValues(plan, unreviewedVariables);
  const entries: FingerprintEntry[] = [];
  const unreviewedOnly: string[] = [];
  for (const rc of plan.resource_changes ?? []) {
    if (rc.mode !== 'managed') continue;
    const actions = rc.change.actions;
    if (actions.length === 1 && actions[0] === 'no-op') continue;
    const unknown = flaggedPaths(rc.change.after_unknown);
    const sensitive = flaggedPaths(rc.change.after_sensitive);
    const after = leaves(rc.change.after ?? null);

    if (actions.length === 1 && actions[0] === 'update' && placeholders.length > 0) {
      const before = leaves(rc.change.before ?? null);
      const changed = [...new Set([...before.keys(), ...after.keys()])].filter(
        (p) => !within(p, unknown) && canonicalJson(before.get(p)) !== canonicalJson(after.get(p))
      );
      const imageOnly = (p: string): boolean => {
        const v = after.get(p);
        return typeof v === 'string' && placeholders.some(([, raw]) => v.includes(raw));
      };
      if (changed.length > 0 && changed.every(imageOnly)) {
        unreviewedOnly.push(rc.address);
        continue;
      }
    }

    const known: Record<string, Json> = {};
    for (const [p, v] of after) {
      if (within(p, unknown)) continue;
      known[p] = within(p, sensitive) ? SENSITIVE : substitute(v, placeholders);
    }
    entries.push({
      address: rc.address,
      actions: [...actions],
      after: sha256(canonicalJson(known)).slice(0, 32)
    });
  }
  entries.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  return { digest: sha256(canonicalJson(entries)), entries, unreviewedOnly };
}

/** Resources whose planned change differs between the reviewed and the current fingerprint. */
export function compareFingerprints(
  reviewed: readonly FingerprintEntry[],
  current: readonly FingerprintEntry[]
): FingerprintDifference[] {
  const byAddress = (list: readonly FingerprintEntry[]) =>
    new Map(list.map((e) => [e.address, e] as const));
  const r = byAddress(reviewed);
  const c = byAddress(current);
  const addresses = [...new Set([...r.keys(), ...c.keys()])].sort();
  return addresses
    .map((address) => ({ address, reviewed: r.get(address), current: c.get(address) }))
    .filter(
      (d) =>
        !d.reviewed ||
        !d.current ||
        d.reviewed.actions.join(',') !== d.current.actions.join(',') ||
        d.reviewed.after !== d.current.after
    );
}

/** One line per difference, saying what the reviewed plan did and what this plan does. */
export function describeDifference(d: FingerprintDifference): string {
  const actions = (e: FingerprintEntry) => e.actions.join(' then ');
  if (!d.reviewed)
    return `${d.address}: not in the reviewed plan; this plan would ${actions(d.current!)} it`;
  if (!d.current)
    return `${d.address}: the reviewed plan would ${actions(d.reviewed)} it; this plan leaves it alone`;
  if (d.reviewed.actions.join(',') !== d.current.actions.join(',')) {
    return `${d.address}: reviewed ${actions(d.reviewed)}, now ${actions(d.current)}`;
  }
  return `${d.address}: ${actions(d.current)} with other values than reviewed`;
}
