/**
 * The project's rules for Compose files beyond what the Compose schema checks: each returns the
 * problems it finds as sentences naming the service and the rule, so a test failure says what
 * to fix.
 */

/** A parsed Compose file, loosely typed: the schema has already checked its shape. */
export interface ComposeFile {
  services?: Record<string, ComposeService>;
}

export interface ComposeService {
  image?: string;
  build?: unknown;
  container_name?: string;
  restart?: string;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  logging?: { driver?: string; options?: Record<string, string | number | null> };
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  read_only?: boolean;
  cap_drop?: string[];
  security_opt?: string[];
}

const DIGEST = /@sha256:[0-9a-f]{64}$/;

/**
 * Why an image reference is not immutable enough to deploy, or undefined when it is: a digest
 * (`name@sha256:<64 hex>`) or an explicit tag other than `latest`.
 */
export function imageReferenceProblem(reference: string): string | undefined {
  if (DIGEST.test(reference)) return undefined;
  if (reference.includes('@')) {
    return `"${reference}" has a malformed digest (expected @sha256:<64 hex digits>)`;
  }
  const lastSegment = reference.split('/').at(-1) ?? '';
  const colon = lastSegment.lastIndexOf(':');
  if (colon === -1) return `"${reference}" has no tag or digest (it would mean latest)`;
  const tag = lastSegment.slice(colon + 1);
  if (tag === 'latest') return `"${reference}" uses the mutable tag latest`;
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) return `"${reference}" has an invalid tag`;
  return undefined;
}

/** Names of environment variables that hold secrets. */
const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE|_KEY$|^KEY$|CREDENTIAL)/i;
/** Values that look like a credential whatever the variable is called. */
const SECRET_VALUE = [
  /AKIA[0-9A-Z]{16}/, // AWS access key id
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\bsk_(live|test)_[0-9A-Za-z]{8,}/, // Stripe secret key
  /\bgh[pousr]_[0-9A-Za-z]{20,}/ // GitHub token
];
/** A Compose interpolation with a default: `${VAR:-default}` or `${VAR-default}`. */
const INTERPOLATION = /^\$\{[A-Za-z_][A-Za-z0-9_]*(:?-[^}]*)?\}$/;

function environmentEntries(service: ComposeService): [string, string][] {
  const env = service.environment;
  if (!env) return [];
  if (Array.isArray(env)) {
    return env.map((line) => {
      const eq = line.indexOf('=');
      return eq === -1 ? [line, ''] : [line.slice(0, eq), line.slice(eq + 1)];
    });
  }
  return Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]);
}

export interface PolicyOptions {
  /**
   * The servers' file: secrets may not appear at all (they come from env_file), and every
   * container must be locked down (read-only root, no capabilities, no-new-privileges).
   * Otherwise (development) a secret may only be a `${VAR:-dev default}` interpolation.
   */
  production: boolean;
}

/** Every rule broken by a Compose file, as readable sentences; empty when it complies. */
export function composePolicyViolations(file: ComposeFile, options: PolicyOptions): string[] {
  const problems: string[] = [];
  const services = file.services ?? {};
  if (Object.keys(services).length === 0) problems.push('the file defines no services');
  for (const [name, service] of Object.entries(services)) {
    const where = `service "${name}"`;
    if (service.image !== undefined && service.build === undefined) {
      const problem = imageReferenceProblem(service.image);
      if (problem) problems.push(`${where}: image ${problem}`);
    } else if (service.image !== undefined && /:latest$/.test(service.image)) {
      problems.push(`${where}: image "${service.image}" uses the mutable tag latest`);
    }
    if (!service.container_name) problems.push(`${where}: has no container_name`);
    if (!service.restart || service.restart === 'no') {
      problems.push(`${where}: has no restart policy`);
    }
    const test = service.healthcheck?.test;
    if (!test || service.healthcheck?.disable || (Array.isArray(test) && test[0] === 'NONE')) {
      problems.push(`${where}: has no healthcheck`);
    }
    const logging = service.logging;
    if (logging?.driver !== 'json-file' || !logging.options?.['max-size']) {
      problems.push(`${where}: logs are not rotated (json-file with max-size and max-file)`);
    } else if (!logging.options['max-file']) {
      problems.push(`${where}: logs are not rotated (json-file with max-size and max-file)`);
    }
    if (service.depends_on) {
      const deps = Array.isArray(service.depends_on)
        ? Object.fromEntries(service.depends_on.map((d) => [d, {}]))
        : service.depends_on;
      for (const [dep, spec] of Object.entries(deps)) {
        if ((spec as { condition?: string }).condition !== 'service_healthy') {
          problems.push(`${where}: depends on "${dep}" without condition: service_healthy`);
        }
      }
    }
    for (const [key, value] of environmentEntries(service)) {
      if (SECRET_VALUE.some((pattern) => pattern.test(value))) {
        problems.push(`${where}: environment ${key} holds what looks like a credential`);
      } else if (SECRET_NAME.test(key) && value !== '') {
        if (options.production) {
          problems.push(`${where}: secret ${key} is written in the file (use env_file)`);
        } else if (!INTERPOLATION.test(value)) {
          problems.push(`${where}: secret ${key} is a literal (use a \${VAR:-default})`);
        }
      }
    }
    if (options.production) {
      if (service.read_only !== true) problems.push(`${where}: root filesystem is not read-only`);
      if (!service.cap_drop?.includes('ALL')) problems.push(`${where}: does not drop ALL caps`);
      if (!service.security_opt?.some((o) => /^no-new-privileges(:true)?$/.test(o))) {
        problems.push(`${where}: lacks security_opt no-new-privileges:true`);
      }
    }
  }
  return problems;
}
