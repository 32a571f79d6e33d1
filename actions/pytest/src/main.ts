import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigurationError } from '../../shared/src/errors.js';
import { getBooleanInput, getOptionalInput, resolveExistingPath } from '../../shared/src/inputs.js';
import { splitArgs } from './args.js';
import { Input } from './constants.js';
import { type PytestInputs, run, venvInterpreter } from './run.js';

/**
 * Read and check every input before pytest starts. Relative paths (venv, junit-path) are
 * relative to `working-directory`, which is relative to the workspace, like a `run:` step's.
 */
export function readInputs(env: NodeJS.ProcessEnv = process.env): PytestInputs {
  const workspace = env.GITHUB_WORKSPACE ?? process.cwd();
  const workingDirectory = resolveExistingPath(
    Input.WorkingDirectory,
    getOptionalInput(Input.WorkingDirectory) ?? '.',
    'directory'
  );

  const givenVenv = getOptionalInput(Input.Venv);
  const venvSource = givenVenv
    ? `input "${Input.Venv}"`
    : env.VIRTUAL_ENV
      ? 'VIRTUAL_ENV'
      : 'the default';
  const venvPath = path.resolve(workingDirectory, givenVenv ?? env.VIRTUAL_ENV ?? '.venv');
  if (!existsSync(venvInterpreter(venvPath))) {
    throw new ConfigurationError(
      `Input "${Input.Venv}": no virtual environment at ${venvPath} (from ${venvSource}; ${path.relative(venvPath, venvInterpreter(venvPath))} is missing). Create one first, e.g. with ./actions/python-venv.`
    );
  }

  const args = splitArgs(getOptionalInput(Input.Args) ?? '', Input.Args);
  const junitArg = args.find((a) => /^--junit-?xml\b/.test(a));
  if (junitArg) {
    throw new ConfigurationError(
      `Input "${Input.Args}" must not set ${junitArg.split('=')[0]}: the action writes the report itself; use the "${Input.JunitPath}" input to choose where.`
    );
  }

  const givenJunit = getOptionalInput(Input.JunitPath);
  const junitPath = givenJunit
    ? path.resolve(workingDirectory, givenJunit)
    : path.join(
        env.RUNNER_TEMP ?? os.tmpdir(),
        `pytest-${env.GITHUB_ACTION ?? 'report'}`,
        'junit.xml'
      );

  const djangoSettings = getOptionalInput(Input.DjangoSettings);
  if (djangoSettings !== undefined && !/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/.test(djangoSettings)) {
    throw new ConfigurationError(
      `Input "${Input.DjangoSettings}" must be a dotted Python module such as shop.settings, got "${djangoSettings}".`
    );
  }

  return {
    workingDirectory,
    venvPath,
    args,
    junitPath,
    djangoSettings,
    failOnError: getBooleanInput(Input.FailOnError, true),
    annotate: getBooleanInput(Input.Annotate, true),
    workspace
  };
}

/** The main step: inputs first, then the work. */
export async function main(): Promise<void> {
  await run(readInputs());
}
