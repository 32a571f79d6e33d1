import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigurationError } from '../../shared/src/errors.js';
import { DOCKER_HUB, type ImageName } from './image-name.js';
import { ociLabels } from './labels.js';
import { computeTags } from './tags.js';
import type { GitContext } from './tags.js';

export type PushMode = 'auto' | 'true' | 'false';

/** Everything the plan step needs, already parsed and validated. */
export interface PlanInputs {
  image: ImageName;
  /** Registry named explicitly by the `registry` input, if any. */
  registry?: string;
  hasCredentials: boolean;
  context: string;
  dockerfile: string;
  push: PushMode;
  latest: boolean;
  extraTags: string[];
  extraLabels: Record<string, string>;
  description?: string;
  cacheScope?: string;
  platforms: string[];
  provenance: boolean;
  sbom: boolean;
  /** GitHub artifact attestation of the pushed digest (actions/attest-build-provenance). */
  attest: boolean;
}

export interface RunContext extends GitContext {
  serverUrl: string;
  repository: string;
  workspace: string;
  now: Date;
}

/** What the build will do: everything the later steps of action.yml are given. */
export interface Plan {
  image: string;
  registry: string;
  push: boolean;
  login: boolean;
  tags: string[];
  fullTags: string[];
  labels: Record<string, string>;
  version: string;
  cacheFrom: string;
  cacheTo: string;
  platforms: string[];
  provenance: string;
  sbom: boolean;
  context: string;
  dockerfile: string;
  /** Attest the pushed digest: asked for and something is pushed. */
  attest: boolean;
  /** The image's name in its attestation: Docker Hub's images as index.docker.io/<path>. */
  attestationSubject: string;
}

const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/;
const CACHE_SCOPE = /^[A-Za-z0-9_.-]{1,64}$/;

/** Decide tags, labels, cache and push for one image build. Never reads inputs itself. */
export function planBuild(inputs: PlanInputs, context: RunContext): Plan {
  if (inputs.registry !== undefined && inputs.registry !== inputs.image.registry) {
    throw new ConfigurationError(
      `Input "registry" (${inputs.registry}) does not match the registry of input "image" (${inputs.image.registry}); write the image as ${inputs.registry}/${inputs.image.path}.`
    );
  }
  for (const platform of inputs.platforms) {
    if (!PLATFORM.test(platform)) {
      throw new ConfigurationError(
        `Input "platforms" has an invalid platform "${platform}" (expected os/arch[/variant], e.g. linux/amd64).`
      );
    }
  }
  if (inputs.platforms.length === 0) {
    throw new ConfigurationError(
      'Input "platforms" must name at least one platform, e.g. linux/amd64.'
    );
  }
  const cacheScope = inputs.cacheScope ?? inputs.image.path.replace(/[^A-Za-z0-9_.-]/g, '-');
  if (!CACHE_SCOPE.test(cacheScope)) {
    throw new ConfigurationError(
      `Input "cache-scope" must be 1-64 letters, digits, "_", "." or "-", got "${cacheScope}".`
    );
  }
  const contextDir = path.resolve(context.workspace, inputs.context);
  if (!existsSync(contextDir)) {
    throw new ConfigurationError(`Input "context": directory "${inputs.context}" does not exist.`);
  }
  const dockerfile = path.resolve(context.workspace, inputs.dockerfile);
  if (!existsSync(dockerfile)) {
    throw new ConfigurationError(`Input "dockerfile": file "${inputs.dockerfile}" does not exist.`);
  }

  const { tags, version, pullRequest } = computeTags(context, inputs.extraTags, inputs.latest);
  const push = inputs.push === 'auto' ? !pullRequest : inputs.push === 'true';
  if (push && !inputs.hasCredentials) {
    throw new ConfigurationError(
      `Inputs "username" and "password" are required to push to ${inputs.image.registry} (or set push: false).`
    );
  }
  const labels = ociLabels(
    {
      serverUrl: context.serverUrl,
      repository: context.repository,
      sha: context.sha,
      version,
      title: inputs.image.path.split('/').at(-1) ?? inputs.image.path,
      description: inputs.description,
      created: context.now
    },
    inputs.extraLabels
  );
  return {
    image: inputs.image.fullName,
    registry: inputs.image.registry,
    push,
    login: push,
    tags,
    fullTags: tags.map((tag) => `${inputs.image.fullName}:${tag}`),
    labels,
    version,
    // One cache per image: the backend's and the storefront's layers do not evict each other.
    cacheFrom: `type=gha,scope=${cacheScope}`,
    cacheTo: `type=gha,mode=max,scope=${cacheScope}`,
    platforms: inputs.platforms,
    // Provenance (SLSA, with the build's full record) and an SBOM travel with pushed images.
    provenance: inputs.provenance ? 'mode=max' : 'false',
    sbom: inputs.sbom,
    context: inputs.context,
    dockerfile: inputs.dockerfile,
    // Only a pushed image has a digest in a registry to attest (a pull request's build has none).
    attest: inputs.attest && push,
    // actions/attest-build-provenance pushes the attestation beside the image and needs the
    // registry as the registry API answers to it: Docker Hub's is index.docker.io.
    attestationSubject:
      inputs.image.registry === DOCKER_HUB
        ? `index.docker.io/${inputs.image.path}`
        : inputs.image.fullName
  };
}
