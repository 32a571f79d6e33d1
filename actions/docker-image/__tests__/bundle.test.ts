import { describe, expect, test } from '@jest/globals';
import { runBundle } from '../../../tests/kit/action-bundle.js';
import type { RunBundleOptions } from '../../../tests/kit/action-bundle.js';

/** The plan step as action.yml runs it: inputs as INPUT_*, the password reduced to a flag. */
const plan = (inputs: Record<string, string>, env: Record<string, string> = {}) =>
  runBundle('docker-image', {
    inputs: {
      image: 'ghcr.io/octo-org/ecommerce-backend',
      dockerfile: 'docker/Dockerfile.frontend',
      username: 'octocat',
      ...inputs
    },
    env: { DOCKER_IMAGE_STEP: 'plan', DOCKER_IMAGE_HAS_PASSWORD: 'true', ...env }
  } satisfies RunBundleOptions);

const IMAGE = 'ghcr.io/octo-org/ecommerce-backend';

describe('plan step (the committed bundle, run the runner’s way)', () => {
  test('push to main: sha-<short> and main tags, pushed, with login, OCI labels and gha cache', async () => {
    const run = await plan({});
    expect(run.exitCode).toBe(0);
    expect(run.errors).toEqual([]);
    expect(run.outputs.tags).toBe(`${IMAGE}:sha-0123456\n${IMAGE}:main`);
    expect(run.outputs.push).toBe('true');
    expect(run.outputs.login).toBe('true');
    expect(run.outputs.registry).toBe('ghcr.io');
    expect(run.outputs.version).toBe('main');
    expect(run.outputs.labels).toContain(
      'org.opencontainers.image.revision=0123456789abcdef0123456789abcdef01234567'
    );
    expect(run.outputs.labels).toContain(
      'org.opencontainers.image.source=https://github.com/octo-org/ecommerce_docker_deployment'
    );
    expect(run.outputs['cache-from']).toBe('type=gha,scope=octo-org-ecommerce-backend');
    expect(run.outputs['cache-to']).toBe('type=gha,mode=max,scope=octo-org-ecommerce-backend');
    expect(run.outputs.provenance).toBe('mode=max');
    expect(run.outputs.sbom).toBe('true');
    expect(run.outputs.platforms).toBe('linux/amd64');
  });

  test('attest: true on a push to Docker Hub: the attestation step runs, under index.docker.io', async () => {
    const run = await plan({ image: 'octo/ecommerce-backend', attest: 'true' });
    expect(run.errors).toEqual([]);
    expect(run.outputs.attest).toBe('true');
    expect(run.outputs['attestation-subject']).toBe('index.docker.io/octo/ecommerce-backend');
    expect((await plan({})).outputs.attest).toBe('false');
  });

  test('a pull request: pr-<n> tag, built but not pushed, no credentials needed', async () => {
    const run = await plan(
      { username: '' },
      {
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_REF: 'refs/pull/42/merge',
        DOCKER_IMAGE_HAS_PASSWORD: 'false'
      }
    );
    expect(run.exitCode).toBe(0);
    expect(run.outputs.tags).toBe(`${IMAGE}:sha-0123456\n${IMAGE}:pr-42`);
    expect(run.outputs.push).toBe('false');
    expect(run.outputs.login).toBe('false');
  });

  test('a semver tag: 1.2.3, 1.2 and 1', async () => {
    const run = await plan({}, { GITHUB_REF: 'refs/tags/v1.2.3', GITHUB_REF_NAME: 'v1.2.3' });
    expect(run.exitCode).toBe(0);
    expect((run.outputs.tags ?? '').split('\n')).toEqual([
      `${IMAGE}:sha-0123456`,
      `${IMAGE}:1.2.3`,
      `${IMAGE}:1.2`,
      `${IMAGE}:1`
    ]);
    expect(run.outputs.version).toBe('1.2.3');
  });

  test('latest requested: added last', async () => {
    const run = await plan({ latest: 'true', tags: 'stable' });
    expect(run.exitCode).toBe(0);
    expect((run.outputs.tags ?? '').split('\n')).toEqual([
      `${IMAGE}:sha-0123456`,
      `${IMAGE}:main`,
      `${IMAGE}:stable`,
      `${IMAGE}:latest`
    ]);
  });

  test.each([
    [
      'an invalid image name',
      { image: 'ghcr.io/Octo/Shop' },
      'Input "image" is not a valid image name: "Octo" in "ghcr.io/Octo/Shop" must be lower-case letters, digits and separators (. _ -) (repository names are lower-case).'
    ],
    [
      'an image with a tag',
      { image: 'ghcr.io/octo/shop:v1' },
      'Input "image" must be a repository without a tag'
    ],
    [
      'a registry given as a URL',
      { registry: 'https://ghcr.io' },
      'Input "registry" must be a registry host name like ghcr.io, without "https://", got "https://ghcr.io".'
    ],
    [
      'a registry other than the image’s',
      { registry: 'docker.io' },
      'Input "registry" (docker.io) does not match the registry of input "image" (ghcr.io)'
    ],
    [
      'a malformed tag list',
      { tags: 'stable, bad tag!' },
      'Input "tags" has an invalid tag "bad tag!"'
    ],
    ['a tag list with latest in it', { tags: 'latest' }, 'set the "latest" input to true instead'],
    ['a non-boolean latest', { latest: 'yes' }, 'Input "latest" must be true or false, got "yes".'],
    [
      'an unknown push mode',
      { push: 'sometimes' },
      'Input "push" must be one of auto, true, false, got "sometimes".'
    ],
    [
      'a missing Dockerfile',
      { dockerfile: 'docker/Dockerfile.missing' },
      'Input "dockerfile": file "docker/Dockerfile.missing" does not exist.'
    ],
    ['an empty image', { image: '' }, 'Input "image" is required but was empty.']
  ])('%s fails with a clear error', async (_name, inputs, message) => {
    const run = await plan(inputs);
    expect(run.exitCode).not.toBe(0);
    expect(run.errors.join('\n')).toContain(message);
    expect(run.errors.join('\n')).not.toContain('docker-image failed');
    expect(run.outputs.tags).toBeUndefined();
  });

  test('pushing without a password fails, naming the inputs', async () => {
    const run = await plan({}, { DOCKER_IMAGE_HAS_PASSWORD: 'false' });
    expect(run.exitCode).not.toBe(0);
    expect(run.errors.join('\n')).toContain(
      'Inputs "username" and "password" are required to push to ghcr.io (or set push: false).'
    );
  });

  test('latest on a pull request fails', async () => {
    const run = await plan(
      { latest: 'true' },
      { GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/42/merge' }
    );
    expect(run.exitCode).not.toBe(0);
    expect(run.errors.join('\n')).toContain('a pull request must never move the latest tag');
  });
});

describe('report step', () => {
  const digest = `sha256:${'e'.repeat(64)}`;
  const report = (env: Record<string, string>) =>
    runBundle('docker-image', {
      env: {
        DOCKER_IMAGE_STEP: 'report',
        DOCKER_IMAGE_PLAN_IMAGE: IMAGE,
        DOCKER_IMAGE_PLAN_TAGS: `${IMAGE}:sha-0123456\n${IMAGE}:main`,
        DOCKER_IMAGE_PLAN_PUSH: 'true',
        DOCKER_IMAGE_PLAN_PLATFORMS: 'linux/amd64',
        ...env
      }
    });

  test('outputs the pushed image by digest and a summary a person can use', async () => {
    const run = await report({ DOCKER_IMAGE_BUILD_DIGEST: digest });
    expect(run.exitCode).toBe(0);
    expect(run.outputs.image).toBe(`${IMAGE}@${digest}`);
    expect(run.outputs.digest).toBe(digest);
    expect(run.outputs.tags).toBe(`${IMAGE}:sha-0123456\n${IMAGE}:main`);
    expect(run.summary).toContain('### Image ecommerce-backend');
    expect(run.summary).toContain(`${IMAGE}@${digest}`);
    expect(run.summary).toContain('`ghcr.io/octo-org/ecommerce-backend:main`');
  });

  test('a push that reported no digest fails as an action error', async () => {
    const run = await report({ DOCKER_IMAGE_BUILD_DIGEST: '' });
    expect(run.exitCode).not.toBe(0);
    expect(run.errors.join('\n')).toContain('docker-image failed: the build step pushed');
    expect(run.outputs.image).toBeUndefined();
  });

  test('a build that was not pushed outputs an empty image', async () => {
    const run = await report({
      DOCKER_IMAGE_PLAN_PUSH: 'false',
      DOCKER_IMAGE_BUILD_DIGEST: digest
    });
    expect(run.exitCode).toBe(0);
    expect(run.outputs.image).toBe('');
    expect(run.summary).toContain('no (built only)');
  });
});
