/**
 * A mistake the person running the action can fix (a bad input, a missing permission, a
 * misconfigured account). Reported as is, without the "<action> failed:" prefix and stack
 * that mark an unexpected bug.
 */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/** The message of anything thrown, for wrapping SDK and system errors with context. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}
