import { isAxiosError } from 'axios';

/** Field name (dotted for nested ones, as API.md sends them) → its messages. */
export type FieldErrors = Record<string, string[]>;

/**
 * An API failure in the one shape the backend promises (`{message, extra}`), with a
 * sentence a person can read even when the body is not that shape (a proxy's 502 page, a
 * dropped connection).
 */
export class ApiError extends Error {
  readonly status: number;
  readonly fields: FieldErrors;
  readonly extra: Record<string, unknown>;

  constructor(message: string, status: number, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.extra = extra;
    this.fields = readFields(extra.fields);
  }

  /** Messages for one field, or for any field nested under it (`billing_address` → `billing_address.city`). */
  fieldMessages(name: string): string[] {
    return this.fields[name] ?? [];
  }
}

export const NETWORK_MESSAGE =
  'We could not reach the shop. Check your connection and try again — nothing you typed was lost.';

const STATUS_MESSAGES: Record<number, string> = {
  400: 'Some of the details are not valid. Please check the highlighted fields.',
  401: 'Please sign in to continue.',
  402: 'The payment did not go through.',
  403: 'You are not allowed to do that.',
  404: 'We could not find what you were looking for.',
  409: 'Some items are no longer available in the quantity you asked for.',
  429: 'Too many attempts. Please wait a minute and try again.'
};

function readFields(value: unknown): FieldErrors {
  if (!value || typeof value !== 'object') return {};
  const fields: FieldErrors = {};
  for (const [key, messages] of Object.entries(value)) {
    if (Array.isArray(messages)) fields[key] = messages.map(String);
    else if (typeof messages === 'string') fields[key] = [messages];
  }
  return fields;
}

/** Turns whatever a request threw into an ApiError with a readable message. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (isAxiosError(error)) {
    const response = error.response;
    if (!response) return new ApiError(NETWORK_MESSAGE, 0);
    const body: unknown = response.data;
    const extra =
      body &&
      typeof body === 'object' &&
      'extra' in body &&
      body.extra &&
      typeof body.extra === 'object'
        ? (body.extra as Record<string, unknown>)
        : {};
    const message =
      body &&
      typeof body === 'object' &&
      'message' in body &&
      typeof body.message === 'string' &&
      body.message
        ? body.message
        : (STATUS_MESSAGES[response.status] ??
          (response.status >= 500
            ? 'The shop had a problem on its side. Please try again in a moment.'
            : `The request failed (HTTP ${response.status}).`));
    return new ApiError(message, response.status, extra);
  }
  if (error instanceof Error) return new ApiError(error.message, 0);
  return new ApiError('Something went wrong. Please try again.', 0);
}
