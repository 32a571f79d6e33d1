import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigurationError } from '../../shared/src/errors.js';
import { Input } from './constants.js';

/** A Python interpreter that was found and answered when asked its version. */
export interface Interpreter {
  /** The executable as found (a PATH entry, a tool-cache file or the given path). */
  path: string;
  /** Its full version, e.g. "3.11.7". */
  version: string;
  /** The real executable behind it (sys.executable), e.g. behind a pyenv shim. */
  executable?: string;
}

/** A version request: "3", "3.11" or "3.11.7". */
const VERSION_SPEC = /^\d+(\.\d+){0,2}$/;

/** Whether a full version such as "3.11.7" satisfies a request such as "3.11". */
export function versionMatches(spec: string, version: string): boolean {
  const wanted = spec.split('.');
  const actual = version.split('.');
  return wanted.every((part, i) => actual[i] === part);
}

/** Whether the value names an interpreter file rather than a version. */
export function isInterpreterPath(value: string): boolean {
  return value.includes('/') || value.includes('\\');
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Ask an interpreter its version. Returns undefined when it does not run: pyenv's shims, for
 * one, exist on PATH for every installed version but fail for those not selected.
 */
export function probeInterpreter(file: string): Promise<Interpreter | undefined> {
  return new Promise((resolve) => {
    execFile(
      file,
      ['-c', 'import platform, sys; print(platform.python_version()); print(sys.executable)'],
      { timeout: 15_000 },
      (error, stdout) => {
        const [version = '', executable = ''] = stdout.trim().split('\n');
        resolve(
          error || !/^\d+\.\d+/.test(version)
            ? undefined
            : { path: file, version, executable: executable.trim() || undefined }
        );
      }
    );
  });
}

function pathDirectories(env: NodeJS.ProcessEnv): string[] {
  return (env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== '');
}

/** The first executable of that name on PATH, like `command -v`. */
function whichOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of pathDirectories(env)) {
    const candidate = path.join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** Compare dotted versions numerically, newest first. */
function newestFirst(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pb[i] ?? 0) - (pa[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/**
 * The versions in the runner's tool cache, where actions/setup-python installs them:
 * `$RUNNER_TOOL_CACHE/Python/<version>/<arch>/bin/python3`.
 */
export function toolCacheInterpreters(env: NodeJS.ProcessEnv): { version: string; path: string }[] {
  const root = env.RUNNER_TOOL_CACHE;
  if (!root) return [];
  const pythonRoot = path.join(root, 'Python');
  if (!existsSync(pythonRoot)) return [];
  const found: { version: string; path: string }[] = [];
  const versions = readdirSync(pythonRoot).filter((v) => /^\d+\.\d+/.test(v));
  for (const version of versions.sort(newestFirst)) {
    const versionDir = path.join(pythonRoot, version);
    for (const arch of readdirSync(versionDir)) {
      for (const rel of ['bin/python3', 'bin/python', 'python.exe']) {
        const file = path.join(versionDir, arch, rel);
        if (isExecutableFile(file)) {
          found.push({ version, path: file });
          break;
        }
      }
    }
  }
  return found;
}

/** Every `python`, `python3`, `python3.X` on PATH that runs, for the "what was found" message. */
async function interpretersOnPath(env: NodeJS.ProcessEnv): Promise<Interpreter[]> {
  const seen = new Set<string>();
  const files: string[] = [];
  for (const dir of pathDirectories(env)) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names.filter((n) => /^python(\d+(\.\d+)?)?$/.test(n)).sort()) {
      const file = path.join(dir, name);
      if (!isExecutableFile(file)) continue;
      let real = file;
      try {
        real = realpathSync(file);
      } catch {
        // A dangling link: probe it anyway, it will be reported as not running.
      }
      if (seen.has(real)) continue;
      seen.add(real);
      files.push(file);
    }
  }
  const probed = await Promise.all(files.slice(0, 30).map((file) => probeInterpreter(file)));
  return probed.filter((p): p is Interpreter => p !== undefined);
}

/**
 * Find the interpreter a `python-version` input asks for: a path to an interpreter, or a
 * version looked up first in the runner's tool cache (where actions/setup-python puts it), then
 * on PATH as `pythonX.Y`, `pythonX`, `python3` and `python`. Each candidate is run to check its
 * real version. An unknown version is a ConfigurationError listing what was found instead.
 */
export async function resolveInterpreter(
  spec: string,
  base: string,
  env: NodeJS.ProcessEnv = process.env
): Promise<Interpreter> {
  if (isInterpreterPath(spec)) {
    const file = path.resolve(base, spec);
    if (!existsSync(file)) {
      throw new ConfigurationError(
        `Input "${Input.PythonVersion}": interpreter "${spec}" does not exist.`
      );
    }
    if (!isExecutableFile(file)) {
      throw new ConfigurationError(
        `Input "${Input.PythonVersion}": "${spec}" is not an executable file.`
      );
    }
    const interpreter = await probeInterpreter(file);
    if (!interpreter) {
      throw new ConfigurationError(
        `Input "${Input.PythonVersion}": "${spec}" did not run as a Python interpreter.`
      );
    }
    return interpreter;
  }

  if (!VERSION_SPEC.test(spec)) {
    throw new ConfigurationError(
      `Input "${Input.PythonVersion}" must be a version such as 3.11 or a path to an interpreter, got "${spec}".`
    );
  }

  const fromToolCache = toolCacheInterpreters(env).filter((t) => versionMatches(spec, t.version));
  for (const candidate of fromToolCache) {
    const interpreter = await probeInterpreter(candidate.path);
    if (interpreter && versionMatches(spec, interpreter.version)) return interpreter;
  }

  const [major, minor] = spec.split('.');
  const names = [
    ...(minor === undefined ? [] : [`python${major}.${minor}`]),
    `python${major}`,
    'python3',
    'python'
  ];
  for (const name of [...new Set(names)]) {
    const file = whichOnPath(name, env);
    if (!file) continue;
    const interpreter = await probeInterpreter(file);
    if (interpreter && versionMatches(spec, interpreter.version)) return interpreter;
  }

  throw new ConfigurationError(await notFoundMessage(spec, env));
}

async function notFoundMessage(spec: string, env: NodeJS.ProcessEnv): Promise<string> {
  const onPath = await interpretersOnPath(env);
  const pathText =
    onPath.length === 0
      ? 'no Python interpreter on PATH'
      : `on PATH: ${onPath.map((i) => `${i.version} (${i.path})`).join(', ')}`;
  const toolCache = toolCacheInterpreters(env);
  const cacheText = !env.RUNNER_TOOL_CACHE
    ? 'no runner tool cache (RUNNER_TOOL_CACHE is not set)'
    : toolCache.length === 0
      ? `nothing in the runner's tool cache (${path.join(env.RUNNER_TOOL_CACHE, 'Python')})`
      : `in the runner's tool cache: ${[...new Set(toolCache.map((t) => t.version))].join(', ')}`;
  return (
    `Input "${Input.PythonVersion}": no Python ${spec} was found; ${pathText}; ${cacheText}. ` +
    `Install it first (e.g. with actions/setup-python) or give the path to an interpreter.`
  );
}
