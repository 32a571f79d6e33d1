import { describe, expect, test } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { composePolicyViolations, imageReferenceProblem } from './support/policy.js';
import type { ComposeFile, ComposeService } from './support/policy.js';
import { composeValidator } from './support/schema.js';
import {
  renderTemplatefile,
  renderWithTerraform,
  templateVariables,
  terraformAvailable
} from '../../tests/kit/templatefile.js';
import type { TemplateValue } from '../../tests/kit/templatefile.js';

const composeDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = path.resolve(composeDir, '..');
const template = readFileSync(path.join(composeDir, 'compose.yml'), 'utf8');
const localText = readFileSync(path.join(composeDir, 'compose.local.yml'), 'utf8');

const DIGEST = 'sha256:' + 'ab'.repeat(32);
/** What terraform/ passes, with values shaped like the real ones. */
const SAMPLE_VARS: Record<string, TemplateValue> = {
  backend_image: `docker.io/acme/ecommerce-backend@${DIGEST}`,
  frontend_image: 'ghcr.io/acme/ecommerce-frontend:sha-0123456',
  rds_endpoint: 'ecommerce-db.c9akciq32.us-east-1.rds.amazonaws.com',
  db_port: 5432,
  db_name: 'ecommerce',
  db_user: 'ecommerce',
  aws_region: 'us-east-1',
  allowed_hosts: 'shop-alb-1234.us-east-1.elb.amazonaws.com,shop.example.com'
};

const rendered = renderTemplatefile(template, SAMPLE_VARS, 'compose.yml');
const production = parse(rendered) as ComposeFile;
const local = parse(localText) as ComposeFile;
const validate = composeValidator();

function service(file: ComposeFile, name: string): ComposeService {
  const found = file.services?.[name];
  if (!found) throw new Error(`no service ${name}`);
  return found;
}

describe('compose.yml (the servers, a Terraform templatefile)', () => {
  test('references exactly the variables compose/README.md documents', () => {
    const readme = readFileSync(path.join(composeDir, 'README.md'), 'utf8');
    const section = readme.split('## `compose.yml` template variables')[1]?.split('\n## ')[0] ?? '';
    const documented = [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
    expect(templateVariables(template).sort()).toEqual([...documented].sort());
    expect(Object.keys(SAMPLE_VARS).sort()).toEqual([...documented].sort());
  });

  test('renders with the sample values and is valid against the Compose Specification schema', () => {
    expect(validate(production)).toEqual([]);
  });

  test('the rendered file contains no "$" (safe in an unquoted here-document and from Compose interpolation)', () => {
    expect(rendered).not.toContain('$');
  });

  test('rendering without one of the variables fails, naming it', () => {
    const rest = Object.fromEntries(Object.entries(SAMPLE_VARS).filter(([k]) => k !== 'db_name'));
    expect(() => renderTemplatefile(template, rest, 'compose.yml')).toThrow(
      'vars map does not contain key "db_name"'
    );
  });

  test('complies with the project policy (immutable images, healthchecks, rotation, lock-down, no secrets)', () => {
    expect(composePolicyViolations(production, { production: true })).toEqual([]);
  });

  test('runs backend and frontend as ecommerce-backend and ecommerce-frontend with the sample images', () => {
    expect(Object.keys(production.services ?? {}).sort()).toEqual(['backend', 'frontend']);
    expect(service(production, 'backend').container_name).toBe('ecommerce-backend');
    expect(service(production, 'frontend').container_name).toBe('ecommerce-frontend');
    expect(service(production, 'backend').image).toBe(SAMPLE_VARS.backend_image);
    expect(service(production, 'frontend').image).toBe(SAMPLE_VARS.frontend_image);
  });

  test('publishes the storefront on 3000 and the backend on 8000 (for Prometheus), nothing else', () => {
    const ports = (name: string) => (service(production, name) as { ports?: string[] }).ports ?? [];
    expect(ports('frontend')).toEqual(['3000:3000']);
    expect(ports('backend')).toEqual(['8000:8000']);
  });

  test('the frontend waits for a healthy backend and proxies to gunicorn’s Unix socket in a volume only the two share', () => {
    const frontend = service(production, 'frontend');
    expect(frontend.depends_on).toEqual({ backend: { condition: 'service_healthy' } });
    expect(frontend.environment).toMatchObject({
      BACKEND_UPSTREAM: 'unix:/run/backend/gunicorn.sock'
    });
  });

  // The backend believes X-Forwarded-For from any peer on its socket (core/client_ip.py): that is
  // safe only while the storefront's nginx is the one other container that can reach the file.
  test.each([
    ['production', () => production],
    ['local', () => local]
  ])(
    '%s: gunicorn listens on the socket nginx connects to; only backend and frontend mount it, nginx read-only',
    (_name, file) => {
      const compose = file();
      const volumes = (name: string) =>
        (service(compose, name) as { volumes?: string[] }).volumes ?? [];
      const backend = service(compose, 'backend') as ComposeService & {
        environment?: Record<string, string>;
      };
      const binds = String(backend.environment?.GUNICORN_BIND ?? '').split(',');
      expect(binds).toEqual(['0.0.0.0:8000', 'unix:/run/backend/gunicorn.sock']);
      expect(volumes('backend')).toContain('backend-socket:/run/backend');
      expect(volumes('frontend')).toContain('backend-socket:/run/backend:ro');
      // Unset, the image's default applies (compose.local.yml relies on it): the same socket.
      const imageDefault = /BACKEND_UPSTREAM=(\S+)/.exec(
        readFileSync(path.join(repoRoot, 'docker/Dockerfile.frontend'), 'utf8')
      )?.[1];
      expect(
        (service(compose, 'frontend') as { environment?: Record<string, string> }).environment
          ?.BACKEND_UPSTREAM ?? imageDefault
      ).toBe('unix:/run/backend/gunicorn.sock');
      const mounting = Object.keys(compose.services ?? {}).filter((name) =>
        volumes(name).some((volume) => volume.startsWith('backend-socket:'))
      );
      expect(mounting.sort()).toEqual(['backend', 'frontend']);
    }
  );

  test('the backend gets the database from the variables and its secrets only from /app/backend.env', () => {
    const backend = service(production, 'backend') as ComposeService & { env_file?: string[] };
    expect(backend.env_file).toEqual(['/app/backend.env']);
    expect(backend.environment).toMatchObject({
      DB_HOST: SAMPLE_VARS.rds_endpoint,
      DB_PORT: '5432',
      DB_NAME: 'ecommerce',
      DB_USER: 'ecommerce',
      DJANGO_ALLOWED_HOSTS: `${String(SAMPLE_VARS.allowed_hosts)},localhost,127.0.0.1`
    });
    expect(Object.keys(backend.environment ?? {})).not.toContain('DB_PASSWORD');
  });

  test('every setting it passes to the backend is one the backend reads', () => {
    const settingsDir = path.join(repoRoot, 'app/backend/config/settings');
    if (!existsSync(settingsDir)) {
      console.log('app/backend/config/settings is absent: skipping the settings cross-check');
      return;
    }
    // Django's settings, and gunicorn's (the server the image runs: GUNICORN_*).
    const settings = [
      ...readdirSync(settingsDir)
        .filter((f) => f.endsWith('.py'))
        .map((f) => path.join(settingsDir, f)),
      path.join(repoRoot, 'docker/backend/gunicorn.conf.py')
    ]
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    const readme = readFileSync(path.join(composeDir, 'README.md'), 'utf8');
    // The first column of the backend.env table in compose/README.md.
    const secretsSection = readme.split('## Secrets')[1]?.split('\n## ')[0] ?? '';
    const envFileKeys = secretsSection
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .flatMap((line) => [...(line.split('|')[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]+)`/g)])
      .map((m) => m[1] as string);
    expect(envFileKeys).toContain('DB_PASSWORD');
    const passed = Object.keys(service(production, 'backend').environment ?? {}).filter(
      (k) => !k.startsWith('AWS_')
    );
    const unread = [...passed, ...envFileKeys].filter((k) => !settings.includes(`"${k}"`));
    expect(unread).toEqual([]);
  });
});

const terraform = terraformAvailable();
describe('compose.yml rendered by a real terraform', () => {
  if (!terraform) {
    test('skipped: no terraform binary on PATH (optional; the TypeScript renderer was used)', () => {
      console.log('terraform is not on PATH: skipping the terraform console cross-check');
    });
    return;
  }
  test('terraform console renders compose.yml exactly as the TypeScript renderer does', () => {
    expect(renderWithTerraform(template, SAMPLE_VARS)).toBe(rendered);
  });
});

describe('compose.local.yml (the whole stack on one machine)', () => {
  test('is valid against the Compose Specification schema', () => {
    expect(validate(local)).toEqual([]);
  });

  test('complies with the project policy (credentials only as ${VAR:-dev default})', () => {
    expect(composePolicyViolations(local, { production: false })).toEqual([]);
  });

  test('runs PostgreSQL, backend, frontend, Prometheus, Grafana and node_exporter', () => {
    expect(Object.keys(local.services ?? {}).sort()).toEqual(
      [
        'alertmanager',
        'backend',
        'blackbox-exporter',
        'db',
        'frontend',
        'grafana',
        'node-exporter',
        'prometheus'
      ].sort()
    );
  });

  test('every host name Prometheus scrapes in monitoring/prometheus/targets is a service here', () => {
    const targetsDir = path.join(repoRoot, 'monitoring/prometheus/targets');
    if (!existsSync(targetsDir)) {
      console.log('monitoring/prometheus/targets is absent: skipping');
      return;
    }
    const hosts = readdirSync(targetsDir).flatMap((file) =>
      [...readFileSync(path.join(targetsDir, file), 'utf8').matchAll(/([a-z][a-z0-9-]*):\d+/g)].map(
        (m) => m[1] as string
      )
    );
    const names = Object.keys(local.services ?? {});
    expect(hosts.filter((h) => h !== 'localhost' && h !== 'http' && !names.includes(h))).toEqual(
      []
    );
  });

  test('builds the images from docker/ and mounts the monitoring/ configuration', () => {
    const build = (name: string) =>
      (service(local, name) as { build?: { context: string; dockerfile: string } }).build;
    expect(build('backend')).toEqual({ context: '..', dockerfile: 'docker/Dockerfile.backend' });
    expect(build('frontend')).toEqual({ context: '..', dockerfile: 'docker/Dockerfile.frontend' });
    const volumes = (name: string) =>
      (service(local, name) as { volumes?: string[] }).volumes ?? [];
    expect(volumes('prometheus')).toContain('../monitoring/prometheus:/etc/prometheus:ro');
    expect(volumes('grafana')).toContain('../monitoring:/etc/monitoring:ro');
    expect(service(local, 'grafana').environment).toMatchObject({
      MONITORING_DIR: '/etc/monitoring',
      GF_PATHS_PROVISIONING: '/etc/monitoring/grafana/provisioning'
    });
    const command = (service(local, 'prometheus') as { command?: string[] }).command ?? [];
    expect(command).toContain('--config.file=/etc/prometheus/prometheus.local.yml');
    for (const file of [
      'docker/Dockerfile.frontend',
      'docker/Dockerfile.backend',
      'monitoring/prometheus/prometheus.local.yml',
      'monitoring/alertmanager/alertmanager.local.yml',
      'monitoring/blackbox/blackbox.yml',
      'monitoring/grafana/provisioning/dashboards/ecommerce.yml'
    ]) {
      expect(existsSync(path.join(repoRoot, file))).toBe(true);
    }
  });
});

describe('the policy itself catches what it is meant to catch', () => {
  const good: ComposeService = {
    image: `a/b@${DIGEST}`,
    container_name: 'x',
    restart: 'unless-stopped',
    healthcheck: { test: ['CMD', 'true'] },
    logging: { driver: 'json-file', options: { 'max-size': '10m', 'max-file': '3' } },
    read_only: true,
    cap_drop: ['ALL'],
    security_opt: ['no-new-privileges:true']
  };
  const check = (s: Partial<ComposeService> & Record<string, unknown>, production = true) =>
    composePolicyViolations({ services: { web: { ...good, ...s } } }, { production });

  test('a compliant service passes', () => {
    expect(check({})).toEqual([]);
  });
  test.each([
    ['an image tagged latest', { image: 'a/b:latest' }, 'uses the mutable tag latest'],
    ['an untagged image', { image: 'a/b' }, 'has no tag or digest'],
    ['a malformed digest', { image: 'a/b@sha256:123' }, 'malformed digest'],
    ['no healthcheck', { healthcheck: undefined }, 'has no healthcheck'],
    ['a disabled healthcheck', { healthcheck: { test: ['NONE'] } }, 'has no healthcheck'],
    ['no log rotation', { logging: { driver: 'json-file' } }, 'logs are not rotated'],
    ['no container_name', { container_name: undefined }, 'has no container_name'],
    ['no restart policy', { restart: undefined }, 'has no restart policy'],
    ['a writable root filesystem', { read_only: false }, 'root filesystem is not read-only'],
    ['capabilities kept', { cap_drop: undefined }, 'does not drop ALL caps'],
    ['no no-new-privileges', { security_opt: [] }, 'lacks security_opt no-new-privileges'],
    [
      'a dependency without a health condition',
      { depends_on: ['db'] },
      'without condition: service_healthy'
    ],
    [
      'a password in the file',
      { environment: { DB_PASSWORD: 'hunter2hunter2' } },
      'secret DB_PASSWORD is written in the file'
    ],
    [
      'an AWS key under an innocent name',
      { environment: { NOTE: 'AKIAABCDEFGHIJKLMNOP' } },
      'looks like a credential'
    ]
  ])('%s is reported', (_name, override, message) => {
    expect(check(override as Partial<ComposeService>).join('\n')).toContain(message);
  });
  test('in development a secret must be an interpolation with a default, not a literal', () => {
    expect(check({ environment: { API_TOKEN: 'abc123abc' } }, false).join('\n')).toContain(
      'secret API_TOKEN is a literal'
    );
    expect(check({ environment: { API_TOKEN: '${API_TOKEN:-dev}' } }, false)).toEqual([]);
  });
  test('imageReferenceProblem accepts digests and explicit tags', () => {
    expect(imageReferenceProblem(`registry:5000/a/b@${DIGEST}`)).toBeUndefined();
    expect(imageReferenceProblem('registry:5000/a/b:sha-0123456')).toBeUndefined();
    expect(imageReferenceProblem('registry:5000/a/b')).toContain('no tag or digest');
  });
  test('the schema rejects what Compose would reject', () => {
    expect(
      validate({ services: { web: { image: 'a:1', restart_policy: 'always' } } }).join()
    ).toContain('must NOT have additional properties');
    expect(validate({ services: { web: { image: 'a:1', ports: 'not-a-list' } } })).not.toEqual([]);
  });
});
