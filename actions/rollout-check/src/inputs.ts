import { ConfigurationError } from '../../shared/src/errors.js';
import {
  getIntegerInput,
  getKeyValueInput,
  getOptionalInput,
  getRequiredInput
} from '../../shared/src/inputs.js';
import { Input } from './constants.js';
import { IMAGE_REFERENCE, documentParameterName, type ImageParameter } from './images.js';

/** Everything the check needs, validated before any call. */
export interface RolloutInputs {
  region: string;
  /** Tag key → value; every one must match (EC2 `tag:<key>` filters). */
  tagFilters: Record<string, string>;
  /** Wait until at least this many servers match (0: any number, at least one). */
  expectedCount: number;
  /** The shop's URL through the load balancer, without a trailing slash. */
  baseUrl: string;
  paths: { health: string; api: string; storefront: string };
  timeoutMs: number;
  pollIntervalMs: number;
  /** Consecutive rounds in which every path must answer before the rollout counts as healthy. */
  healthyRounds: number;
  ec2Endpoint: string | undefined;
  /** When set: run this SSM document on each server, one at a time, before the HTTP checks. */
  redeployDocument: string | undefined;
  targetGroupArn: string | undefined;
  redeployTimeoutMs: number;
  /**
   * With redeploy-document: the image parameters read before the first server, deployed
   * explicitly, and restored (with the servers already changed) when a server fails.
   */
  imageParameters: ImageParameter[] | undefined;
  /** A release written longer ago than this is not this deploy's: it is not rolled back. */
  releaseMaxAgeMs: number;
}

function readPath(name: string, fallback: string): string {
  const value = getOptionalInput(name) ?? fallback;
  if (!value.startsWith('/')) {
    throw new ConfigurationError(`Input "${name}" must be a path starting with /, got "${value}".`);
  }
  return value;
}

/**
 * `image-parameters`: one SSM parameter per line, optionally `=<reference>` (the image this
 * deploy built; the rollout refuses to start when SSM holds another). The names must be the
 * project's /<project>/deploy/<name>_image parameters — the only ones the rollout role may
 * change — and the references pinned by digest.
 */
function readImageParameters(
  project: string | undefined,
  redeployDocument: string | undefined
): ImageParameter[] | undefined {
  const lines = getOptionalInput(Input.ImageParameters)
    ?.split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (!lines || lines.length === 0) return undefined;
  const name = Input.ImageParameters;
  if (redeployDocument === undefined) {
    throw new ConfigurationError(
      `Input "${name}" needs "${Input.RedeployDocument}": the images are deployed and rolled back through it.`
    );
  }
  if (project === undefined) {
    throw new ConfigurationError(
      `Input "${name}" needs the project: a Project=<name> line in "${Input.TagFilters}", or a ` +
        `"${Input.RedeployDocument}" named <project>-deploy.`
    );
  }
  const prefix = `/${project}/deploy/`;
  const isImageParameter = (n: string): boolean =>
    n.startsWith(prefix) && /^[a-z0-9_]+_image$/.test(n.slice(prefix.length));
  const parameters: ImageParameter[] = [];
  for (const line of lines) {
    const eq = line.indexOf('=');
    const parameterName = (eq < 0 ? line : line.slice(0, eq)).trim();
    const expected = eq < 0 ? undefined : line.slice(eq + 1).trim();
    if (!isImageParameter(parameterName)) {
      throw new ConfigurationError(
        `Input "${name}": "${parameterName}" is not one of the project's image parameters ` +
          `(/${project}/deploy/<name>_image, the only ones the rollout role may change).`
      );
    }
    if (expected !== undefined && !IMAGE_REFERENCE.test(expected)) {
      throw new ConfigurationError(
        `Input "${name}": the image for ${parameterName} must be pinned by digest ` +
          `(<repository>@sha256:<64 hex>), got "${expected}".`
      );
    }
    if (parameters.some((p) => p.name === parameterName)) {
      throw new ConfigurationError(`Input "${name}" names ${parameterName} twice.`);
    }
    parameters.push({
      name: parameterName,
      documentParameter: documentParameterName(parameterName),
      expected
    });
  }
  return parameters;
}

export function readInputs(): RolloutInputs {
  const region = getOptionalInput(Input.AwsRegion) ?? process.env.AWS_REGION ?? '';
  if (!/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/.test(region)) {
    throw new ConfigurationError(
      `Input "${Input.AwsRegion}" (or AWS_REGION) must be an AWS region such as us-east-1, got "${region}".`
    );
  }
  const tagFilters = getKeyValueInput(Input.TagFilters);
  if (Object.keys(tagFilters).length === 0) {
    throw new ConfigurationError(
      `Input "${Input.TagFilters}" needs at least one KEY=value line (e.g. Role=app), so the ` +
        "check never waits on another project's servers."
    );
  }

  const rawUrl = getRequiredInput(Input.BaseUrl);
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new ConfigurationError(`Input "${Input.BaseUrl}" must be a URL, got "${rawUrl}".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigurationError(`Input "${Input.BaseUrl}" must be http(s), got "${rawUrl}".`);
  }

  const ec2Endpoint = getOptionalInput(Input.Ec2Endpoint);
  const redeployDocument = getOptionalInput(Input.RedeployDocument);
  if (redeployDocument !== undefined && !/^[a-zA-Z0-9_.:/-]{3,128}$/.test(redeployDocument)) {
    throw new ConfigurationError(
      `Input "${Input.RedeployDocument}" must be an SSM document name, got "${redeployDocument}".`
    );
  }
  const targetGroupArn = getOptionalInput(Input.TargetGroupArn);
  if (
    targetGroupArn !== undefined &&
    !/^arn:aws[\w-]*:elasticloadbalancing:[\w-]+:\d{12}:targetgroup\/[\w-]+\/[0-9a-f]+$/.test(
      targetGroupArn
    )
  ) {
    throw new ConfigurationError(
      `Input "${Input.TargetGroupArn}" must be a target group ARN, got "${targetGroupArn}".`
    );
  }
  const project =
    tagFilters.Project ??
    (redeployDocument?.endsWith('-deploy')
      ? redeployDocument.slice(0, -'-deploy'.length)
      : undefined);
  const imageParameters = readImageParameters(project, redeployDocument);
  return {
    region,
    tagFilters,
    expectedCount: getIntegerInput(Input.ExpectedCount, { defaultValue: 0, min: 0, max: 100 }),
    baseUrl: rawUrl.replace(/\/+$/, ''),
    paths: {
      health: readPath(Input.HealthPath, '/readyz'),
      api: readPath(Input.ApiPath, '/api/products/'),
      storefront: readPath(Input.StorefrontPath, '/')
    },
    timeoutMs:
      getIntegerInput(Input.TimeoutSeconds, { defaultValue: 900, min: 1, max: 3600 }) * 1000,
    pollIntervalMs:
      getIntegerInput(Input.PollIntervalSeconds, { defaultValue: 10, min: 1, max: 300 }) * 1000,
    healthyRounds: getIntegerInput(Input.HealthyRounds, { defaultValue: 2, min: 1, max: 20 }),
    ec2Endpoint,
    redeployDocument,
    targetGroupArn,
    redeployTimeoutMs:
      getIntegerInput(Input.RedeployTimeoutSeconds, { defaultValue: 1200, min: 30, max: 7200 }) *
      1000,
    imageParameters,
    releaseMaxAgeMs:
      getIntegerInput(Input.ReleaseMaxAgeMinutes, { defaultValue: 120, min: 1, max: 10080 }) *
      60_000
  };
}
