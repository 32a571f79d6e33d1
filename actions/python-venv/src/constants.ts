/** The action's name, as the failure prefix and the summary heading use it. */
export const ACTION_NAME = 'python-venv';

/** Input names, exactly as action.yml declares them. */
export const Input = {
  PythonVersion: 'python-version',
  Requirements: 'requirements',
  WorkingDirectory: 'working-directory',
  Path: 'path',
  Cache: 'cache',
  UpgradePip: 'upgrade-pip'
} as const;

/** Output names, exactly as action.yml declares them. */
export const Output = {
  PythonPath: 'python-path',
  VenvPath: 'venv-path',
  PythonVersion: 'python-version',
  CacheHit: 'cache-hit'
} as const;

/** What the main step leaves for the post step (core.saveState / core.getState). */
export const State = {
  /** "true" when the post step should save pip's cache (a miss, and the install succeeded). */
  SaveCache: 'save-cache',
  CacheKey: 'cache-key',
  CacheDir: 'cache-dir'
} as const;

/** Bumped when the layout of what is cached changes, so old entries stop matching. */
export const CACHE_KEY_VERSION = 'v1';
