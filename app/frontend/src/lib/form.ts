import type { FieldErrors } from '@/lib/api-error';

/** A Zod failure in the same shape as the API's `extra.fields`, so forms show both alike. */
export function zodFieldErrors(error: {
  issues: readonly { path: readonly PropertyKey[]; message: string }[];
}): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join('.');
    (fields[key] ??= []).push(issue.message);
  }
  return fields;
}

/** The errors under one prefix, with the prefix removed (`billing_address.city` → `city`). */
export function nestedFieldErrors(fields: FieldErrors, prefix: string): FieldErrors {
  const nested: FieldErrors = {};
  for (const [key, messages] of Object.entries(fields)) {
    if (key.startsWith(`${prefix}.`)) nested[key.slice(prefix.length + 1)] = messages;
  }
  return nested;
}

/**
 * After a failed submit, move focus to the first field marked invalid (so a keyboard or
 * screen-reader user lands on what needs fixing), or else to the form's alert.
 *
 * The state that marks the fields or shows the alert is set just before this call, and React
 * need not have committed it by the next frame (an update made after an `await` is scheduled,
 * not flushed): the form is looked at again each frame until one is there, for up to
 * FOCUS_WAIT_MS. A browser test on a busy machine saw the alert arrive after that first frame.
 */
export function focusFirstProblem(form: HTMLElement | null): void {
  if (!form) return;
  const until = performance.now() + FOCUS_WAIT_MS;
  const look = (): void => {
    const target =
      form.querySelector<HTMLElement>('[aria-invalid="true"]') ??
      form.querySelector<HTMLElement>('[role="alert"]');
    if (target) target.focus();
    else if (performance.now() < until) requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
}

const FOCUS_WAIT_MS = 2000;
