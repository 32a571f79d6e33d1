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
 */
export function focusFirstProblem(form: HTMLElement | null): void {
  if (!form) return;
  requestAnimationFrame(() => {
    const target =
      form.querySelector<HTMLElement>('[aria-invalid="true"]') ??
      form.querySelector<HTMLElement>('[role="alert"]');
    target?.focus();
  });
}
