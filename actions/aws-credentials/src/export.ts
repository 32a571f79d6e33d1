import * as core from '@actions/core';
import { maskSecret } from '../../shared/src/secrets.js';
import { EXPORTED_VARIABLES, State } from './constants.js';
import type { TemporaryCredentials } from './sts.js';

/** Mask every part of the credentials before anything else can print them. */
export function maskCredentials(credentials: TemporaryCredentials): void {
  maskSecret(credentials.accessKeyId);
  maskSecret(credentials.secretAccessKey);
  maskSecret(credentials.sessionToken);
}

/**
 * Export the credentials and region for the job's later steps (GITHUB_ENV), and remember what
 * was exported so the post step can clear exactly that.
 */
export function exportCredentials(credentials: TemporaryCredentials, region: string): void {
  maskCredentials(credentials);
  const values: Record<(typeof EXPORTED_VARIABLES)[number], string> = {
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: credentials.sessionToken,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region
  };
  for (const name of EXPORTED_VARIABLES) core.exportVariable(name, values[name]);
  core.saveState(State.ExportedVariables, EXPORTED_VARIABLES.join(','));
}

/**
 * The runner has no command to unset a variable for later steps: GITHUB_ENV can only set.
 * Setting each to an empty value is what works — the AWS SDKs and CLI treat an empty
 * AWS_ACCESS_KEY_ID as absent — so that is what the post step does.
 */
export function clearExported(names: readonly string[]): string[] {
  const cleared: string[] = [];
  for (const name of names) {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) continue;
    core.exportVariable(name, '');
    cleared.push(name);
  }
  return cleared;
}
