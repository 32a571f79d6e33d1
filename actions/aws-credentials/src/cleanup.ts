import * as core from '@actions/core';
import { runAction } from '../../shared/src/run.js';
import { State } from './constants.js';
import { clearExported } from './export.js';

/**
 * Post step: clear the credentials the main step exported. The runner cannot unset a variable
 * for later steps, so each is set to an empty value instead (which the AWS SDKs and CLI treat
 * as unset).
 */
function cleanup(): Promise<void> {
  const saved = core.getState(State.ExportedVariables);
  if (saved === '') {
    core.info('No AWS credentials were exported by this action; nothing to clear.');
    return Promise.resolve();
  }
  const cleared = clearExported(saved.split(','));
  core.info(
    `Cleared ${cleared.join(', ')} by setting them to empty values (the runner cannot unset ` +
      'variables for later steps).'
  );
  return Promise.resolve();
}

await runAction('aws-credentials (post)', cleanup);
