import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigurationError } from '../../shared/src/errors.js';
import { loggedExec } from '../../shared/src/exec.js';
import { Input } from './constants.js';

/** The folder holding a venv's executables: `bin`, or `Scripts` on Windows. */
export function venvBinDir(venvPath: string, platform: NodeJS.Platform = process.platform): string {
  return path.join(venvPath, platform === 'win32' ? 'Scripts' : 'bin');
}

/** The venv's own interpreter. */
export function venvPython(venvPath: string, platform: NodeJS.Platform = process.platform): string {
  return path.join(venvBinDir(venvPath, platform), platform === 'win32' ? 'python.exe' : 'python');
}

/** What is at the path the venv is to be created at. */
export type VenvTarget = 'absent' | 'empty' | 'venv';

/**
 * Check the `path` input before anything is created: a missing or empty folder is fine, an
 * existing virtual environment is recreated, anything else is someone's data and is refused.
 */
export function inspectVenvTarget(venvPath: string, given: string): VenvTarget {
  if (!existsSync(venvPath)) return 'absent';
  if (!statSync(venvPath).isDirectory()) {
    throw new ConfigurationError(`Input "${Input.Path}": "${given}" exists and is not a folder.`);
  }
  if (existsSync(path.join(venvPath, 'pyvenv.cfg'))) return 'venv';
  if (readdirSync(venvPath).length === 0) return 'empty';
  throw new ConfigurationError(
    `Input "${Input.Path}": "${given}" is a folder that is not empty and not a virtual environment; ` +
      'refusing to create the environment over it.'
  );
}

/** Environment for every pip call: no prompts, no nagging about pip's own version. */
const PIP_ENV = { PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1' };

/** Create (or, with `clear`, recreate) a virtual environment with the given interpreter. */
export async function createVenv(
  interpreter: string,
  venvPath: string,
  clear: boolean
): Promise<void> {
  await loggedExec(interpreter, ['-m', 'venv', ...(clear ? ['--clear'] : []), venvPath]);
}

/**
 * pip's cache folder as the venv's pip sees it (PIP_CACHE_DIR, pip.conf, or the platform
 * default); undefined when pip's cache is switched off (PIP_NO_CACHE_DIR).
 */
export async function pipCacheDir(python: string): Promise<string | undefined> {
  const result = await loggedExec(python, ['-m', 'pip', 'cache', 'dir'], {
    quiet: true,
    ignoreReturnCode: true,
    env: PIP_ENV
  });
  const dir = result.stdout.trim().split('\n').pop()?.trim();
  return result.exitCode === 0 && dir ? dir : undefined;
}

export async function upgradePip(python: string, cwd: string): Promise<void> {
  await loggedExec(python, ['-m', 'pip', 'install', '--upgrade', 'pip'], { cwd, env: PIP_ENV });
}

/** Install every requirement file in one resolver run, so their pins are checked together. */
export async function installRequirements(
  python: string,
  files: readonly string[],
  cwd: string
): Promise<void> {
  if (files.length === 0) return;
  await loggedExec(python, ['-m', 'pip', 'install', ...files.flatMap((f) => ['-r', f])], {
    cwd,
    env: PIP_ENV
  });
}

/** `name==version` of every package in the venv, pip and setuptools included. */
export async function installedPackages(python: string): Promise<string[]> {
  const { stdout } = await loggedExec(python, ['-m', 'pip', 'list', '--format=freeze'], {
    quiet: true,
    env: PIP_ENV
  });
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}
