import * as core from '@actions/core';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errorMessage } from '../../shared/src/errors.js';
import { appendSummary } from '../../shared/src/summary.js';
import { cacheKeys, hashFiles, requirementFilesWithIncludes } from './cache-key.js';
import { Output, State } from './constants.js';
import { resolveInterpreter } from './interpreter.js';
import { type CacheRestore, restorePipCache } from './pip-cache.js';
import { renderSummary } from './summary.js';
import {
  type VenvTarget,
  createVenv,
  installRequirements,
  installedPackages,
  pipCacheDir,
  upgradePip,
  venvBinDir,
  venvPython
} from './venv.js';

/** The action's inputs, read and checked by main.ts. */
export interface PythonVenvInputs {
  /** A version ("3.11") or a path to an interpreter, as given. */
  pythonVersion: string;
  /** Absolute paths of the requirement files, each known to exist. */
  requirements: string[];
  /** The requirement files as the workflow named them, for the summary. */
  requirementNames: string[];
  /** Absolute; known to exist. */
  workingDirectory: string;
  /** Absolute path of the environment to create. */
  venvPath: string;
  /** What is at venvPath now (an existing venv is recreated). */
  venvTarget: VenvTarget;
  cache: boolean;
  upgradePip: boolean;
}

export interface PythonVenvResult {
  pythonPath: string;
  venvPath: string;
  pythonVersion: string;
  cacheHit: boolean;
}

/**
 * Create the environment, install into it, and publish it to later steps. Anything that fails
 * after the folder was created removes it again: a later step must never find a venv that looks
 * usable but lacks half its packages.
 */
export async function run(inputs: PythonVenvInputs): Promise<PythonVenvResult> {
  const started = Date.now();
  // Resolved before anything is created, so an unknown Python leaves nothing behind.
  const interpreter = await resolveInterpreter(inputs.pythonVersion, inputs.workingDirectory);
  core.info(`Using Python ${interpreter.version} at ${interpreter.path}.`);

  const python = venvPython(inputs.venvPath);
  let cache: CacheRestore | undefined;
  let packages: string[];
  try {
    if (inputs.venvTarget === 'venv') {
      core.info(`${inputs.venvPath} holds a virtual environment already: recreating it.`);
    }
    await createVenv(interpreter.path, inputs.venvPath, inputs.venvTarget === 'venv');

    if (inputs.cache) cache = await restoreCache(python, interpreter.version, inputs.requirements);

    if (inputs.upgradePip) {
      await core.group('Upgrade pip', () => upgradePip(python, inputs.workingDirectory));
    }
    if (inputs.requirements.length > 0) {
      await core.group(`Install ${inputs.requirementNames.join(', ')}`, () =>
        installRequirements(python, inputs.requirements, inputs.workingDirectory)
      );
    }
    packages = await installedPackages(python);
  } catch (error) {
    rmSync(inputs.venvPath, { recursive: true, force: true });
    throw new Error(
      `${errorMessage(error)}\nThe half-made virtual environment at ${inputs.venvPath} was removed.`
    );
  }

  // Saved by the post step, after the job, so the cache holds whatever later steps downloaded.
  if (cache?.primaryKey && (cache.status === 'miss' || cache.status === 'partial')) {
    core.saveState(State.SaveCache, 'true');
    core.saveState(State.CacheKey, cache.primaryKey);
    core.saveState(State.CacheDir, cache.dir ?? '');
  }

  const result: PythonVenvResult = {
    pythonPath: python,
    venvPath: inputs.venvPath,
    pythonVersion: interpreter.version,
    cacheHit: cache?.status === 'hit'
  };
  core.setOutput(Output.PythonPath, result.pythonPath);
  core.setOutput(Output.VenvPath, result.venvPath);
  core.setOutput(Output.PythonVersion, result.pythonVersion);
  core.setOutput(Output.CacheHit, String(result.cacheHit));
  core.addPath(venvBinDir(inputs.venvPath));
  core.exportVariable('VIRTUAL_ENV', inputs.venvPath);

  await appendSummary(
    renderSummary({
      pythonVersion: interpreter.version,
      interpreter: interpreter.executable ?? interpreter.path,
      venvPath: inputs.venvPath,
      requirements: inputs.requirementNames,
      packages,
      pipUpgraded: inputs.upgradePip,
      cache,
      durationMs: Date.now() - started
    })
  );
  core.info(
    `Created ${inputs.venvPath} with Python ${interpreter.version} and ${packages.length} packages.`
  );
  return result;
}

async function restoreCache(
  python: string,
  pythonVersion: string,
  requirements: readonly string[]
): Promise<CacheRestore> {
  const dir = await pipCacheDir(python);
  if (dir === undefined) {
    const reason = "pip's cache is switched off (PIP_NO_CACHE_DIR or pip.conf)";
    core.warning(`Caching is off: ${reason}.`);
    return { status: 'off', reason };
  }
  const keys = cacheKeys({
    os: process.env.RUNNER_OS ?? os.type(),
    arch: process.arch,
    pythonVersion,
    requirementsHash: hashFiles(requirementFilesWithIncludes(requirements))
  });
  return { ...(await restorePipCache(dir, keys)), dir: path.resolve(dir) };
}
