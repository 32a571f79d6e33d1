import { ConfigurationError } from '../../shared/src/errors.js';

/** An image repository split the way Docker reads it: registry host and repository path. */
export interface ImageName {
  /** Registry host (and port), e.g. `ghcr.io`, `registry.example.com:5000`, `docker.io`. */
  registry: string;
  /** Repository path inside the registry, e.g. `acme/ecommerce-backend`. */
  path: string;
  /** The full name used in tags and outputs: `<registry>/<path>`. */
  fullName: string;
}

export const DOCKER_HUB = 'docker.io';

// The distribution reference grammar (github.com/distribution/reference): path components are
// lower-case alphanumerics joined by ".", "_", "__" or dashes; hosts are DNS names or IPs with
// an optional port.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]{1,5})?$/;

/** Whether the first component of a name is a registry host rather than a path component. */
function isHost(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

/** Validate a registry host as given in the `registry` input. */
export function parseRegistry(inputName: string, value: string): string {
  if (/^[a-z]+:\/\//i.test(value)) {
    throw new ConfigurationError(
      `Input "${inputName}" must be a registry host name like ghcr.io, without "${value.split('://')[0]}://", got "${value}".`
    );
  }
  if (value.includes('/')) {
    throw new ConfigurationError(
      `Input "${inputName}" must be a registry host name like ghcr.io (no path), got "${value}"; put the repository path in "image".`
    );
  }
  if (!HOST.test(value)) {
    throw new ConfigurationError(
      `Input "${inputName}" is not a valid registry host name, got "${value}".`
    );
  }
  return value.toLowerCase() === 'index.docker.io' ? DOCKER_HUB : value.toLowerCase();
}

/**
 * Parse the `image` input: a repository without tag or digest, optionally prefixed by its
 * registry (`ghcr.io/acme/shop`, `acme/shop` for Docker Hub).
 */
export function parseImageName(inputName: string, value: string): ImageName {
  if (value.includes('@')) {
    throw new ConfigurationError(
      `Input "${inputName}" must be a repository without a digest, got "${value}".`
    );
  }
  const components = value.split('/');
  const registry =
    components.length > 1 && isHost(components[0] ?? '') ? components.shift() : undefined;
  const last = components.at(-1) ?? '';
  if (last.includes(':')) {
    throw new ConfigurationError(
      `Input "${inputName}" must be a repository without a tag, got "${value}"; tags come from the commit and the "tags"/"latest" inputs.`
    );
  }
  for (const component of components) {
    if (!PATH_COMPONENT.test(component)) {
      const hint =
        component !== component.toLowerCase() ? ' (repository names are lower-case)' : '';
      throw new ConfigurationError(
        `Input "${inputName}" is not a valid image name: "${component}" in "${value}" must be lower-case letters, digits and separators (. _ -)${hint}.`
      );
    }
  }
  const host = registry === undefined ? DOCKER_HUB : parseRegistry(inputName, registry);
  const path = components.join('/');
  if (path.length > 255) {
    throw new ConfigurationError(`Input "${inputName}" is longer than 255 characters.`);
  }
  return { registry: host, path, fullName: `${host}/${path}` };
}
