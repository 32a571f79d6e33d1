import {
  useId,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes
} from 'react';

type Common = {
  label: string;
  /** Messages to show under the field; the field is marked invalid when there are any. */
  errors?: string[] | undefined;
  hint?: ReactNode;
};

function useFieldIds(errors: string[] | undefined, hint: ReactNode) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy =
    [hint ? hintId : null, errors?.length ? errorId : null].filter(Boolean).join(' ') || undefined;
  return { id, errorId, hintId, describedBy, invalid: Boolean(errors?.length) };
}

function FieldMessages({
  errors,
  errorId,
  hint,
  hintId
}: {
  errors?: string[] | undefined;
  errorId: string;
  hint: ReactNode;
  hintId: string;
}) {
  return (
    <>
      {hint ? (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      {errors?.length ? (
        <p className="field-error" id={errorId}>
          {errors.join(' ')}
        </p>
      ) : null}
    </>
  );
}

/** A labelled input whose errors are announced with it (aria-describedby) and marked invalid. */
export function Field({
  label,
  errors,
  hint,
  className,
  ...input
}: Common & InputHTMLAttributes<HTMLInputElement>) {
  const ids = useFieldIds(errors, hint);
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={input.id ?? ids.id}>
        {label}
        {input.required ? <span aria-hidden="true"> *</span> : null}
      </label>
      <input
        id={ids.id}
        aria-invalid={ids.invalid || undefined}
        aria-describedby={ids.describedBy}
        {...input}
      />
      <FieldMessages errors={errors} errorId={ids.errorId} hint={hint} hintId={ids.hintId} />
    </div>
  );
}

export function SelectField({
  label,
  errors,
  hint,
  className,
  children,
  ...select
}: Common & SelectHTMLAttributes<HTMLSelectElement>) {
  const ids = useFieldIds(errors, hint);
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={ids.id}>{label}</label>
      <select
        id={ids.id}
        aria-invalid={ids.invalid || undefined}
        aria-describedby={ids.describedBy}
        {...select}
      >
        {children}
      </select>
      <FieldMessages errors={errors} errorId={ids.errorId} hint={hint} hintId={ids.hintId} />
    </div>
  );
}

export function TextareaField({
  label,
  errors,
  hint,
  className,
  ...textarea
}: Common & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const ids = useFieldIds(errors, hint);
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={ids.id}>
        {label}
        {textarea.required ? <span aria-hidden="true"> *</span> : null}
      </label>
      <textarea
        id={ids.id}
        aria-invalid={ids.invalid || undefined}
        aria-describedby={ids.describedBy}
        {...textarea}
      />
      <FieldMessages errors={errors} errorId={ids.errorId} hint={hint} hintId={ids.hintId} />
    </div>
  );
}
