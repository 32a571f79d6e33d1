import { describe, expect, test } from '@jest/globals';
import { parseImageName } from '../src/image-name.js';
import { planBuild } from '../src/plan.js';
import type { PlanInputs, RunContext } from '../src/plan.js';
import { buildReport } from '../src/report.js';
import { repoRoot } from '../../../tests/kit/action-bundle.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const CONTEXT: RunContext = {
  sha: SHA,
  ref: 'refs/heads/main',
  eventName: 'push',
  serverUrl: 'https://github.com',
  repository: 'octo-org/ecommerce_docker_deployment',
  workspace: repoRoot,
  now: new Date('2026-11-26T01:00:00Z')
};
const INPUTS: PlanInputs = {
  image: parseImageName('image', 'ghcr.io/octo-org/ecommerce-frontend'),
  hasCredentials: true,
  context: '.',
  dockerfile: 'docker/Dockerfile.frontend',
  push: 'auto',
  latest: false,
  extraTags: [],
  extraLabels: {},
  platforms: ['linux/amd64'],
  provenance: true,
  sbom: true,
  attest: false
};

describe('planBuild', () => {
  test('a push to main: pushed, full tags, OCI labels, one cache scope per image', () => {
    const plan = planBuild(INPUTS, CONTEXT);
    expect(plan.push).toBe(true);
    expect(plan.login).toBe(true);
    expect(plan.fullTags).toEqual([
      'ghcr.io/octo-org/ecommerce-frontend:sha-0123456',
      'ghcr.io/octo-org/ecommerce-frontend:main'
    ]);
    expect(plan.labels).toEqual({
      'org.opencontainers.image.title': 'ecommerce-frontend',
      'org.opencontainers.image.source': 'https://github.com/octo-org/ecommerce_docker_deployment',
      'org.opencontainers.image.url': 'https://github.com/octo-org/ecommerce_docker_deployment',
      'org.opencontainers.image.revision': SHA,
      'org.opencontainers.image.version': 'main',
      'org.opencontainers.image.created': '2026-11-26T01:00:00.000Z'
    });
    expect(plan.cacheFrom).toBe('type=gha,scope=octo-org-ecommerce-frontend');
    expect(plan.cacheTo).toBe('type=gha,mode=max,scope=octo-org-ecommerce-frontend');
    expect(plan.provenance).toBe('mode=max');
  });

  test('a pull request is built, not pushed, and needs no credentials', () => {
    const plan = planBuild(
      { ...INPUTS, hasCredentials: false },
      { ...CONTEXT, ref: 'refs/pull/9/merge', eventName: 'pull_request' }
    );
    expect(plan.push).toBe(false);
    expect(plan.login).toBe(false);
  });

  test('pushing without credentials is refused', () => {
    expect(() => planBuild({ ...INPUTS, hasCredentials: false }, CONTEXT)).toThrow(
      'Inputs "username" and "password" are required to push to ghcr.io'
    );
  });

  test('a registry that is not the image’s is refused', () => {
    expect(() => planBuild({ ...INPUTS, registry: 'docker.io' }, CONTEXT)).toThrow(
      'Input "registry" (docker.io) does not match the registry of input "image" (ghcr.io)'
    );
  });

  test('a missing Dockerfile or context is refused, naming the input', () => {
    expect(() => planBuild({ ...INPUTS, dockerfile: 'docker/Dockerfile.nope' }, CONTEXT)).toThrow(
      'Input "dockerfile": file "docker/Dockerfile.nope" does not exist.'
    );
    expect(() => planBuild({ ...INPUTS, context: 'no-such-dir' }, CONTEXT)).toThrow(
      'Input "context": directory "no-such-dir" does not exist.'
    );
  });

  test('a bad platform or cache scope is refused', () => {
    expect(() => planBuild({ ...INPUTS, platforms: ['amd64'] }, CONTEXT)).toThrow(
      'invalid platform "amd64"'
    );
    expect(() => planBuild({ ...INPUTS, cacheScope: 'a b' }, CONTEXT)).toThrow(
      'Input "cache-scope"'
    );
  });

  test('extra labels override the OCI ones', () => {
    const plan = planBuild(
      { ...INPUTS, extraLabels: { 'org.opencontainers.image.title': 'Storefront' } },
      CONTEXT
    );
    expect(plan.labels['org.opencontainers.image.title']).toBe('Storefront');
  });
});

describe('planBuild: the artifact attestation', () => {
  test('asked for and pushed: attested, under the image name the registry answers to', () => {
    const ghcr = planBuild({ ...INPUTS, attest: true }, CONTEXT);
    expect([ghcr.attest, ghcr.attestationSubject]).toEqual([
      true,
      'ghcr.io/octo-org/ecommerce-frontend'
    ]);
    const hub = planBuild(
      { ...INPUTS, attest: true, image: parseImageName('image', 'octo/ecommerce-backend') },
      CONTEXT
    );
    expect([hub.attest, hub.attestationSubject]).toEqual([
      true,
      'index.docker.io/octo/ecommerce-backend'
    ]);
  });

  test('not asked for, or nothing pushed (a pull request): no attestation', () => {
    expect(planBuild(INPUTS, CONTEXT).attest).toBe(false);
    const pr = planBuild(
      { ...INPUTS, attest: true },
      { ...CONTEXT, eventName: 'pull_request', ref: 'refs/pull/42/merge' }
    );
    expect([pr.push, pr.attest]).toEqual([false, false]);
  });
});

describe('buildReport', () => {
  const digest = `sha256:${'c'.repeat(64)}`;
  test('a pushed build outputs the digest reference and says how to pin it', () => {
    const report = buildReport({
      image: 'ghcr.io/a/b',
      tags: ['ghcr.io/a/b:sha-0123456'],
      push: true,
      platforms: ['linux/amd64'],
      digest
    });
    expect(report.imageRef).toBe(`ghcr.io/a/b@${digest}`);
    expect(report.markdown).toContain(`ghcr.io/a/b@${digest}`);
    expect(report.markdown).toContain('| Pushed | yes |');
  });
  test('an attested push says how to verify the digest', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const attested = buildReport({
      image: 'docker.io/octo/ecommerce-backend',
      tags: [],
      push: true,
      platforms: ['linux/amd64'],
      digest,
      attestedIn: 'octo/shop'
    });
    expect(attested.markdown).toContain(
      `gh attestation verify oci://docker.io/octo/ecommerce-backend@${digest} --repo octo/shop`
    );
    const plain = buildReport({
      image: 'docker.io/octo/ecommerce-backend',
      tags: [],
      push: true,
      platforms: ['linux/amd64'],
      digest
    });
    expect(plain.markdown).not.toContain('gh attestation verify');
  });

  test('a build that was not pushed outputs no reference', () => {
    const report = buildReport({
      image: 'ghcr.io/a/b',
      tags: [],
      push: false,
      platforms: [],
      digest: ''
    });
    expect(report.imageRef).toBe('');
    expect(report.markdown).toContain('no (built only)');
  });
  test('a push without a valid digest fails', () => {
    expect(() =>
      buildReport({
        image: 'ghcr.io/a/b',
        tags: [],
        push: true,
        platforms: [],
        digest: 'sha256:xyz'
      })
    ).toThrow('reported no valid digest');
  });
});
