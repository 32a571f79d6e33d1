import * as core from '@actions/core';
import { ConfigurationError, errorMessage } from './errors.js';
import { redact } from './secrets.js';

/**
 * The body of every action's entry file. Runs `main`, and turns anything it throws into
 * `core.setFailed`: a ConfigurationError's message as is (the person can fix it), anything else
 * prefixed with the action's name (a bug or an outage). Never throws, never exits the process.
 * Set SHOW_STACK_TRACE=true to also log the stack.
 */
export async function runAction(actionName: string, main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    const message = redact(errorMessage(error));
    if (process.env.SHOW_STACK_TRACE === 'true' && error instanceof Error && error.stack) {
      core.info(redact(error.stack));
    }
    core.setFailed(
      error instanceof ConfigurationError ? message : `${actionName} failed: ${message}`
    );
  }
}
