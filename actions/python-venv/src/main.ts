import {
  getBooleanInput,
  getListInput,
  getOptionalInput,
  resolveExistingPath
} from '../../shared/src/inputs.js';
import { ConfigurationError } from '../../shared/src/errors.js';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { Input } from './constants.js';
import { type PythonVenvInputs, run } from './run.js';
import { inspectVenvTarget } from './venv.js';

/**
 * Read and check every input before anything happens. Requirement files and the venv path are
 * relative to `working-directory`, which is relative to the workspace.
 */
export function readInputs(): PythonVenvInputs {
  const workingDirectory = resolveExistingPath(
    Input.WorkingDirectory,
    getOptionalInput(Input.WorkingDirectory) ?? '.',
    'directory'
  );
  const requirementNames = getListInput(Input.Requirements);
  const requirements = requirementNames.map((name) => {
    const file = path.resolve(workingDirectory, name);
    if (!existsSync(file)) {
      throw new ConfigurationError(
        `Input "${Input.Requirements}": file "${name}" does not exist (looked in ${workingDirectory}).`
      );
    }
    if (!statSync(file).isFile()) {
      throw new ConfigurationError(`Input "${Input.Requirements}": "${name}" is not a file.`);
    }
    return file;
  });
  const cache = getBooleanInput(Input.Cache, true);
  const upgradePip = getBooleanInput(Input.UpgradePip, true);
  const givenPath = getOptionalInput(Input.Path) ?? '.venv';
  const venvPath = path.resolve(workingDirectory, givenPath);
  return {
    pythonVersion: getOptionalInput(Input.PythonVersion) ?? '3',
    requirements,
    requirementNames,
    workingDirectory,
    venvPath,
    venvTarget: inspectVenvTarget(venvPath, givenPath),
    cache,
    upgradePip
  };
}

/** The main step: inputs first, then the work. */
export async function main(): Promise<void> {
  await run(readInputs());
}
