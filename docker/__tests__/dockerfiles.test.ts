import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dockerDir, dockerfileEnv, repoRoot } from './support/nginx.js';

/** hadolint from .venv-tools (ensure_tools_venv), or $HADOLINT. */
const hadolint = process.env.HADOLINT ?? path.join(repoRoot, '.venv-tools/bin/hadolint');
const dockerfiles = readdirSync(dockerDir)
  .filter((name) => /^Dockerfile\.[a-z]+$/.test(name))
  .sort();

function runHadolint(file: string): { status: number | null; output: string } {
  const result = spawnSync(hadolint, ['--no-color', file], { encoding: 'utf8', cwd: repoRoot });
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

describe('hadolint over docker/Dockerfile.*', () => {
  test('hadolint is installed (bash scripts/test installs it into .venv-tools)', () => {
    expect(existsSync(hadolint)).toBe(true);
  });

  test('finds the Dockerfiles', () => {
    expect(dockerfiles).toContain('Dockerfile.frontend');
  });

  test.each(dockerfiles)('%s: hadolint reports nothing', (name) => {
    expect(runHadolint(path.join('docker', name))).toEqual({ status: 0, output: '' });
  });

  test.each(dockerfiles)(
    '%s: every ignored rule is justified by a comment just above it',
    (name) => {
      const lines = readFileSync(path.join(dockerDir, name), 'utf8').split('\n');
      const unjustified = lines.flatMap((line, i) => {
        if (!/#\s*hadolint\s+ignore=/.test(line)) return [];
        const above = lines[i - 1]?.trim() ?? '';
        return above.startsWith('#') && !/hadolint/.test(above) && above.length > 10
          ? []
          : [`line ${i + 1}`];
      });
      expect(unjustified).toEqual([]);
    }
  );

  test('hadolint does catch a bad Dockerfile (the check is not vacuous)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hadolint-'));
    try {
      const file = path.join(dir, 'Dockerfile');
      writeFileSync(file, 'FROM node:latest\nRUN cd /app && npm install\n');
      const result = runHadolint(file);
      expect(result.status).not.toBe(0);
      expect(result.output).toContain('DL3007'); // latest tag
      expect(result.output).toContain('DL3003'); // cd instead of WORKDIR
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Dockerfile.frontend', () => {
  const text = readFileSync(path.join(dockerDir, 'Dockerfile.frontend'), 'utf8');
  const froms = [...text.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1] as string);

  test('two stages: a Node LTS build and an unprivileged nginx, both pinned to a full version', () => {
    expect(froms).toHaveLength(2);
    expect(froms[0]).toMatch(/^node:(2[02468])\.\d+\.\d+-alpine$/);
    expect(froms[1]).toMatch(/^nginxinc\/nginx-unprivileged:\d+\.\d+\.\d+-alpine$/);
  });

  test('npm ci with a cache mount, dependencies in their own layer before the sources', () => {
    expect(text).toMatch(/RUN --mount=type=cache,target=\/root\/\.npm[^\n]*\\\n\s*npm ci/);
    expect(text.indexOf('package-lock.json')).toBeLessThan(text.indexOf('COPY app/frontend/ ./'));
  });

  test('runs as uid 101, exposes 3000 and has a HEALTHCHECK on nginx’s own /healthz', () => {
    const users = [...text.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
    expect(users.at(-1)).toBe('101');
    expect(text).toMatch(/^EXPOSE 3000$/m);
    expect(text).toMatch(/^HEALTHCHECK [\s\S]*\/healthz/m);
  });

  test('the template variables all have image defaults, and the envsubst filter admits exactly them', () => {
    const template = readFileSync(
      path.join(dockerDir, 'frontend/templates/default.conf.template'),
      'utf8'
    );
    const used = [
      ...new Set([...template.matchAll(/\$\{([A-Z_]+)\}/g)].map((m) => m[1] as string))
    ].sort();
    expect(used).toEqual(['BACKEND_UPSTREAM', 'LISTEN_PORT', 'STOREFRONT_ROOT']);
    // gunicorn's socket in the volume compose.yml shares (compose/__tests__ holds both ends).
    expect(dockerfileEnv('BACKEND_UPSTREAM')).toBe('unix:/run/backend/gunicorn.sock');
    expect(dockerfileEnv('LISTEN_PORT')).toBe('3000');
    expect(dockerfileEnv('STOREFRONT_ROOT')).toBe('/usr/share/nginx/html');
    const filter = new RegExp(dockerfileEnv('NGINX_ENVSUBST_FILTER'));
    for (const name of used) expect(filter.test(name)).toBe(true);
    for (const name of ['HOSTNAME', 'HOME', 'PATH', 'NGINX_VERSION', 'PWD']) {
      expect(filter.test(name)).toBe(false);
    }
  });

  test('the render target is created by an entrypoint script that runs before the image’s envsubst step', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'entrypoint-d-'));
    try {
      const target = path.join(dir, 'tmp/nginx/conf.d');
      const script = path.join(dockerDir, 'frontend/docker-entrypoint.d/05-writable-dirs.sh');
      const result = spawnSync('sh', [script], {
        env: { PATH: '/usr/bin:/bin', NGINX_ENVSUBST_OUTPUT_DIR: target },
        encoding: 'utf8'
      });
      expect(result.status).toBe(0);
      expect(existsSync(target)).toBe(true);
      expect(dockerfileEnv('NGINX_ENVSUBST_OUTPUT_DIR')).toBe('/tmp/nginx/conf.d');
      // sorts before 20-envsubst-on-templates.sh
      expect('05-writable-dirs.sh' < '20-envsubst-on-templates.sh').toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the build context sends only app/frontend (without node_modules) and docker/frontend', () => {
    const ignore = readFileSync(path.join(dockerDir, 'Dockerfile.frontend.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    expect(ignore.filter((l) => l.startsWith('!'))).toEqual([
      '!app/frontend/',
      '!docker/frontend/'
    ]);
    expect(ignore).toContain('app/frontend/node_modules/');
    expect(ignore).toContain('app/frontend/dist/');
    // Every path the Dockerfile copies from the context is one the ignore file admits.
    const copied = [...text.matchAll(/^COPY (?!--from)(?:--\S+ )*(.+) \S+$/gm)].flatMap((m) =>
      (m[1] as string).split(/\s+/)
    );
    for (const source of copied) {
      expect(source.startsWith('app/frontend/') || source.startsWith('docker/frontend/')).toBe(
        true
      );
      expect(existsSync(path.join(repoRoot, source))).toBe(true);
    }
  });
});

describe('nginx to gunicorn', () => {
  const template = readFileSync(
    path.join(dockerDir, 'frontend/templates/default.conf.template'),
    'utf8'
  );
  const gunicornConf = readFileSync(path.join(dockerDir, 'backend/gunicorn.conf.py'), 'utf8');

  // A request nginx sends down a pooled connection at the moment gunicorn closes it fails, and
  // nginx does not retry a POST (a checkout): nginx must always be the one to close idle ones.
  test('nginx drops an idle pooled connection before gunicorn would (upstream keepalive_timeout < GUNICORN_KEEPALIVE)', () => {
    const upstream = /upstream storefront_backend \{([\s\S]*?)\n\}/.exec(template)?.[1] ?? '';
    const nginxSeconds = Number(/keepalive_timeout (\d+)s;/.exec(upstream)?.[1]);
    const gunicornSeconds = Number(/_int\("GUNICORN_KEEPALIVE", (\d+)\)/.exec(gunicornConf)?.[1]);
    expect(upstream).toMatch(/keepalive \d+;/);
    expect(nginxSeconds).toBeGreaterThan(0);
    expect(nginxSeconds).toBeLessThan(gunicornSeconds);
  });

  test('every proxied location goes to the pool, over HTTP/1.1 with the Connection header cleared', () => {
    const passes = [...template.matchAll(/proxy_pass ([^;]+);/g)].map((m) => m[1]);
    expect(passes.length).toBeGreaterThanOrEqual(4);
    expect(new Set(passes)).toEqual(new Set(['http://storefront_backend']));
    expect(template).toContain('proxy_http_version 1.1;');
    expect(template).toContain('proxy_set_header Connection "";');
  });

  test('the backend image makes the socket directory for its own user', () => {
    const dockerfile = readFileSync(path.join(dockerDir, 'Dockerfile.backend'), 'utf8');
    expect(dockerfile).toContain('install -d -o app -g app -m 0755 /run/backend');
    expect(dockerfileEnv('BACKEND_UPSTREAM')).toBe('unix:/run/backend/gunicorn.sock');
  });
});

describe('what the images run', () => {
  test('every script a Dockerfile COPYs and runs as ENTRYPOINT or CMD is executable in git (COPY keeps the mode)', () => {
    const problems: string[] = [];
    let checked = 0;
    for (const file of readdirSync(dockerDir).filter((f) => f.startsWith('Dockerfile.'))) {
      const text = readFileSync(path.join(dockerDir, file), 'utf8');
      const copies = [...text.matchAll(/^COPY\s+(?:--\S+\s+)*(.+)$/gm)].flatMap((m) => {
        const parts = (m[1] ?? '').trim().split(/\s+/);
        const target = parts.pop() ?? '';
        return parts.map((source) => ({ source, target }));
      });
      for (const run of text.matchAll(/^(?:ENTRYPOINT|CMD)\s+\[\s*"([^"]+\.sh)"/gm)) {
        const script = run[1] ?? '';
        const copy = copies.find(({ source, target }) =>
          target.endsWith('/') ? `${target}${path.basename(source)}` === script : target === script
        );
        if (!copy) continue;
        checked += 1;
        const entry = spawnSync('git', ['ls-files', '-s', '--', copy.source], {
          cwd: repoRoot,
          encoding: 'utf8'
        });
        if (!entry.stdout.startsWith('100755'))
          problems.push(`${file}: ${copy.source} is ${entry.stdout.split(' ')[0] || 'not in git'}`);
      }
    }
    expect(checked).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});
