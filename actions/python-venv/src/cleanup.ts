import * as core from '@actions/core';
import { runAction } from '../../shared/src/run.js';
import { ACTION_NAME, State } from './constants.js';
import { savePipCache } from './pip-cache.js';

/**
 * The post step: save pip's download cache, but only when the main step missed the exact key
 * and installed successfully (it leaves the state only then). A hit needs no save; a failed
 * install must not store a cache of a broken set of requirements.
 */
async function cleanup(): Promise<void> {
  if (core.getState(State.SaveCache) !== 'true') {
    core.info("Nothing to save: pip's cache was a hit, off, or the install did not finish.");
    return;
  }
  await savePipCache(core.getState(State.CacheDir), core.getState(State.CacheKey));
}

await runAction(`${ACTION_NAME} (post)`, cleanup);
