import {
  GetParameterHistoryCommand,
  PutParameterCommand,
  type ParameterHistory,
  type SSMClient
} from '@aws-sdk/client-ssm';

/**
 * The image references a rollout deploys and, when it fails, restores: read from the SSM
 * parameters Terraform writes (/<project>/deploy/backend_image, frontend_image) before the first
 * server is touched, so every server gets the same images even if SSM changes meanwhile.
 */

/**
 * A digest-pinned image reference. The same pattern as Terraform's backend_image and
 * frontend_image validation, render_env.py on the servers and the deploy document's
 * allowedPattern: whatever Terraform may write, a rollback can hand back to the document.
 */
export const IMAGE_REFERENCE = /^[a-z0-9][a-z0-9._/:-]*@sha256:[0-9a-f]{64}$/;

/**
 * One apply writes all the image parameters within seconds. A parameter whose current version
 * is older than the newest one by more than this was not changed by the latest release, so a
 * rollback leaves it as it is (its previous value is an older release's).
 */
export const RELEASE_WINDOW_MS = 15 * 60_000;

export interface ImageParameter {
  /** The SSM parameter, e.g. /ecommerce/deploy/backend_image. */
  name: string;
  /** The deploy document's parameter that carries it, e.g. backendImage. */
  documentParameter: string;
  /** The reference this deploy built and expects in SSM (optional). */
  expected: string | undefined;
}

export interface ImageVersion {
  value: string;
  version: number;
  modified: Date | undefined;
}

export interface ImageState {
  parameter: ImageParameter;
  current: ImageVersion;
  /** The newest earlier value that differs from the current one; undefined on a first deploy. */
  previous: ImageVersion | undefined;
  /**
   * Whether this deploy's release wrote it (see RELEASE_WINDOW_MS and readImageStates' maximum
   * age): only such a parameter is rolled back.
   */
  changed: boolean;
}

/** /ecommerce/deploy/backend_image → backendImage, the deploy document's parameter name. */
export function documentParameterName(parameterName: string): string {
  const base = parameterName.slice(parameterName.lastIndexOf('/') + 1);
  return base.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The last characters of a digest, enough to tell two images apart in a log line. */
export function shortImage(reference: string): string {
  const at = reference.indexOf('@sha256:');
  if (at < 0) return reference;
  const repository = reference.slice(0, at).split('/').pop() ?? '';
  return `${repository}@${reference.slice(at + 8, at + 20)}`;
}

async function history(ssm: SSMClient, name: string): Promise<ParameterHistory[]> {
  const versions: ParameterHistory[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ssm.send(
      new GetParameterHistoryCommand({ Name: name, MaxResults: 50, NextToken: nextToken })
    );
    versions.push(...(page.Parameters ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return versions.sort((a, b) => (a.Version ?? 0) - (b.Version ?? 0));
}

function version(entry: ParameterHistory): ImageVersion {
  return {
    value: entry.Value ?? '',
    version: entry.Version ?? 0,
    modified: entry.LastModifiedDate
  };
}

/**
 * Each parameter's current value and the one before it. `maxAgeMs`: a release written longer
 * ago than this cannot be the one this deploy's apply wrote (the apply runs just before the
 * rollout, in the same job), so it is not rolled back.
 */
export async function readImageStates(
  ssm: SSMClient,
  parameters: readonly ImageParameter[],
  now: number,
  maxAgeMs: number
): Promise<ImageState[]> {
  const states: Omit<ImageState, 'changed'>[] = [];
  for (const parameter of parameters) {
    const versions = await history(ssm, parameter.name);
    const last = versions.at(-1);
    if (!last) throw new Error(`${parameter.name} has no version in SSM.`);
    const current = version(last);
    // Skip back over versions equal to the current one (a rollback followed by the same apply
    // writes the same value twice): the previous release is the last different value.
    const earlier = versions.slice(0, -1).reverse();
    const previous = earlier.find((v) => (v.Value ?? '') !== current.value);
    states.push({ parameter, current, previous: previous ? version(previous) : undefined });
  }
  const times = states.map((s) => s.current.modified?.getTime() ?? 0);
  const newest = Math.max(...times);
  const fresh = now - newest <= maxAgeMs;
  return states.map((s, i) => ({
    ...s,
    changed: fresh && newest - (times[i] ?? 0) <= RELEASE_WINDOW_MS
  }));
}

/** Put a previous reference back (a plain String, as Terraform writes it). */
export async function restoreImage(ssm: SSMClient, name: string, value: string): Promise<number> {
  const put = await ssm.send(
    new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true })
  );
  return put.Version ?? 0;
}

/** The deploy document's parameters for a set of references, by parameter name. */
export function documentParameters(
  states: readonly ImageState[],
  pick: (state: ImageState) => string
): Record<string, string[]> {
  return Object.fromEntries(states.map((s) => [s.parameter.documentParameter, [pick(s)]]));
}
