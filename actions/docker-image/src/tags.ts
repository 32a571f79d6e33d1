import { ConfigurationError } from '../../shared/src/errors.js';

/** What the workflow run says about the commit being built (the runner's GITHUB_* values). */
export interface GitContext {
  sha: string;
  /** `refs/heads/main`, `refs/tags/v1.2.3`, `refs/pull/42/merge`. */
  ref: string;
  eventName: string;
}

/** The image tags for a build, and the version the OCI labels report. */
export interface TagPlan {
  tags: string[];
  version: string;
  /** Whether this is a pull request build (never pushed by default, never `latest`). */
  pullRequest: boolean;
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const SEMVER = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?$/;

/** A Git name (branch, tag) made into a valid Docker tag: invalid characters become "-". */
export function sanitizeTag(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[.-]+/, '');
  return cleaned.slice(0, 128);
}

/** Validate the `tags` input's items: each one a Docker tag, not `latest` (use the input). */
export function validateExtraTags(inputName: string, tags: readonly string[]): string[] {
  for (const tag of tags) {
    if (tag.includes(':') || tag.includes('/')) {
      throw new ConfigurationError(
        `Input "${inputName}" holds tags only (no image name or ":"), got "${tag}".`
      );
    }
    if (!TAG.test(tag)) {
      throw new ConfigurationError(
        `Input "${inputName}" has an invalid tag "${tag}": up to 128 letters, digits, "_", "." or "-", not starting with "." or "-".`
      );
    }
    if (tag === 'latest') {
      throw new ConfigurationError(
        `Input "${inputName}" must not contain latest; set the "latest" input to true instead.`
      );
    }
  }
  return [...tags];
}

/**
 * The tags for a commit: always `sha-<7 hex>`; the branch name on a branch push; on a semver
 * tag `1.2.3`, `1.2` and `1` (only the full version for a pre-release, and no `0` alone);
 * `pr-<n>` on a pull request; then the extra tags; `latest` only when asked.
 */
export function computeTags(
  context: GitContext,
  extraTags: readonly string[],
  latest: boolean
): TagPlan {
  if (!/^[0-9a-f]{40}$/.test(context.sha)) {
    throw new Error(`GITHUB_SHA is not a commit id: "${context.sha}".`);
  }
  const shaTag = `sha-${context.sha.slice(0, 7)}`;
  const tags = [shaTag];
  let version = shaTag;
  const pullRequest =
    context.eventName === 'pull_request' || context.eventName === 'pull_request_target';

  const pr = /^refs\/pull\/(\d+)\//.exec(context.ref);
  if (pr) {
    tags.push(`pr-${pr[1]}`);
    version = `pr-${pr[1]}`;
  } else if (context.ref.startsWith('refs/heads/')) {
    const branch = sanitizeTag(context.ref.slice('refs/heads/'.length));
    if (branch) {
      tags.push(branch);
      version = branch;
    }
  } else if (context.ref.startsWith('refs/tags/')) {
    const name = context.ref.slice('refs/tags/'.length);
    const semver = SEMVER.exec(name);
    if (semver) {
      const [, major, minor, patch, prerelease] = semver;
      version = `${major}.${minor}.${patch}${prerelease ? `-${prerelease}` : ''}`;
      tags.push(version);
      if (!prerelease) {
        tags.push(`${major}.${minor}`);
        if (major !== '0') tags.push(`${major}`);
      }
    } else {
      const tag = sanitizeTag(name);
      if (tag) {
        tags.push(tag);
        version = tag;
      }
    }
  }
  tags.push(...extraTags);
  if (latest) {
    if (pullRequest) {
      throw new ConfigurationError(
        'Input "latest" is true on a pull request build: a pull request must never move the latest tag.'
      );
    }
    tags.push('latest');
  }
  return { tags: [...new Set(tags)], version, pullRequest };
}
