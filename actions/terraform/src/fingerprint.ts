import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
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
 *   know before they are built): inside every value — also inside base64 or base64gzip text
 *   such as a launch template's user data — they are replaced by `${var.<name>}`; for an image
 *   pinned by digest, any digest of the same repository is. So an update whose known values
 *   are equal once the images are replaced (a new image, nothing else) is no change of the
 *   infrastructure, and neither is an update whose changed values are all unknown until apply
 *   (what follows from another change, e.g. a launch template's next version number).
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
  /** Updates left out: only unreviewed variables' values, or only unknown values, change. */
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

/** How one unreviewed variable's value is found in other values. */
interface Placeholder {
  name: string;
  pattern: RegExp;
}

const DIGEST_REFERENCE = /^(.+?)(?::[\w][\w.-]{0,127})?@sha256:[0-9a-f]{64}$/;
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const BASE64 = /^(?:[A-Za-z0-9+/]{4}){4,}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The text inside a base64 (or base64gzip) string, when it holds one of the placeholders;
 * otherwise undefined. Terraform's base64gzip() is how user data usually reaches AWS.
 */
function encodedText(value: string, placeholders: readonly Placeholder[]): string | undefined {
  if (!BASE64.test(value)) return undefined;
  const bytes = Buffer.from(value, 'base64');
  let text: string;
  try {
    text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
  } catch {
    return undefined;
  }
  return placeholders.some((p) => new RegExp(p.pattern.source).test(text)) ? text : undefined;
}

/** A string with every placeholder's occurrences replaced by `${var.<name>}`. */
function substituteText(value: string, placeholders: readonly Placeholder[]): string {
  const decoded = encodedText(value, placeholders);
  let text = decoded ?? value;
  for (const { name, pattern } of placeholders) text = text.replace(pattern, `\${var.${name}}`);
  // The decoded text stands for the encoded value, marked so it never equals a plain string.
  return decoded === undefined ? text : `base64:${text}`;
}

/** A copy of `value` with every string's placeholders replaced. */
function substitute(value: Json, placeholders: readonly Placeholder[]): Json {
  if (typeof value === 'string') return substituteText(value, placeholders);
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

/**
 * Patterns for the named root variables' values, as the plan recorded them: an image pinned by
 * digest matches any tag and digest of its repository (the next build's too); any other string
 * matches itself.
 */
function placeholdersOf(plan: PlanDocument, names: readonly string[]): Placeholder[] {
  const found: { name: string; source: string; length: number }[] = [];
  for (const name of names) {
    const value = plan.variables?.[name]?.value;
    // An empty value would match everywhere; it means "not set", nothing to stand in for.
    if (typeof value !== 'string' || value === '') continue;
    const image = DIGEST_REFERENCE.exec(value);
    const source = image
      ? `${escapeRegExp(image[1] ?? '')}(?::[\\w][\\w.-]{0,127})?@sha256:[0-9a-f]{64}`
      : escapeRegExp(value);
    found.push({ name, source, length: value.length });
  }
  // Longest first, so a value containing another is replaced whole.
  return found
    .sort((a, b) => b.length - a.length)
    .map(({ name, source }) => ({ name, pattern: new RegExp(source, 'g') }));
}

/** Fingerprint a plan; `unreviewedVariables` names root variables whose values are ignored. */
export function fingerprintPlan(
  plan: PlanDocument,
  unreviewedVariables: readonly string[] = []
): Fingerprint {
  const placeholders = placeholdersOf(plan, unreviewedVariables);
  const entries: FingerprintEntry[] = [];
  const unreviewedOnly: string[] = [];
  for (const rc of plan.resource_changes ?? []) {
    if (rc.mode !== 'managed') continue;
    const actions = rc.change.actions;
    if (actions.length === 1 && actions[0] === 'no-op') continue;
    const unknown = flaggedPaths(rc.change.after_unknown);
    const sensitive = flaggedPaths(rc.change.after_sensitive);
    const after = leaves(rc.change.after ?? null);

    if (actions.length === 1 && actions[0] === 'update') {
      const before = leaves(rc.change.before ?? null);
      const norm = (v: Json | undefined): string =>
        canonicalJson(substitute(v ?? null, placeholders));
      const changed = [...new Set([...before.keys(), ...after.keys()])].filter(
        (p) => !within(p, unknown) && norm(before.get(p)) !== norm(after.get(p))
      );
      if (changed.length === 0) {
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
