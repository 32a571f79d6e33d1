import * as cache from '@actions/cache';
import * as core from '@actions/core';
import { existsSync } from 'node:fs';
import { errorMessage } from '../../shared/src/errors.js';
import type { CacheKeys } from './cache-key.js';

/** What happened to pip's cache in the main step, for the outputs and the summary. */
export interface CacheRestore {
  /** hit: the exact key; partial: an older entry by prefix; miss: nothing; off: not tried. */
  status: 'hit' | 'partial' | 'miss' | 'off';
  primaryKey?: string;
  matchedKey?: string;
  /** Why caching is off, when it is. */
  reason?: string;
  /** pip's cache folder, once known. */
  dir?: string;
}

const UNAVAILABLE =
  'the Actions cache service is not available here (no ACTIONS_RESULTS_URL / ACTIONS_CACHE_URL)';

/**
 * Restore pip's download cache. Caching only ever speeds a job up, so every problem with the
 * cache service becomes a warning and the install goes on without it.
 */
export async function restorePipCache(dir: string, keys: CacheKeys): Promise<CacheRestore> {
  if (!cache.isFeatureAvailable()) {
    core.warning(`Caching is off: ${UNAVAILABLE}. Installing without pip's cache.`);
    return { status: 'off', reason: UNAVAILABLE };
  }
  try {
    const matchedKey = await cache.restoreCache([dir], keys.primaryKey, keys.restoreKeys);
    if (matchedKey === undefined) {
      core.info(`No cache for ${keys.primaryKey}: pip's cache will be saved after the job.`);
      return { status: 'miss', primaryKey: keys.primaryKey };
    }
    const status = matchedKey === keys.primaryKey ? 'hit' : 'partial';
    core.info(`Restored pip's cache from ${matchedKey}.`);
    return { status, primaryKey: keys.primaryKey, matchedKey };
  } catch (error) {
    const reason = `restoring the cache failed: ${errorMessage(error)}`;
    core.warning(`Caching is off: ${reason}. Installing without pip's cache.`);
    return { status: 'off', primaryKey: keys.primaryKey, reason };
  }
}

/** Save pip's download cache under the key; any failure is a warning, never a failed job. */
export async function savePipCache(dir: string, key: string): Promise<boolean> {
  if (!existsSync(dir)) {
    core.info(`pip's cache directory ${dir} does not exist: nothing to save.`);
    return false;
  }
  if (!cache.isFeatureAvailable()) {
    core.warning(`pip's cache was not saved: ${UNAVAILABLE}.`);
    return false;
  }
  try {
    const id = await cache.saveCache([dir], key);
    // saveCache reports reservation conflicts itself and returns -1.
    if (id === -1) return false;
    core.info(`Saved pip's cache as ${key}.`);
    return true;
  } catch (error) {
    core.warning(`pip's cache was not saved: ${errorMessage(error)}`);
    return false;
  }
}
