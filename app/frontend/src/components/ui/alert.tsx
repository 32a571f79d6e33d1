import { forwardRef, type ReactNode } from 'react';

type Props = { tone?: 'error' | 'success' | 'info'; title?: string; children: ReactNode };

/**
 * A message about the last action. Errors use role="alert" (announced at once); the others
 * role="status". It can take focus, so a failed submit can move the person to the reason.
 */
export const Alert = forwardRef<HTMLDivElement, Props>(function Alert(
  { tone = 'error', title, children },
  ref
) {
  return (
    <div
      ref={ref}
      className={`alert alert-${tone}`}
      role={tone === 'error' ? 'alert' : 'status'}
      tabIndex={-1}
    >
      {title ? <strong className="alert-title">{title}</strong> : null}
      <div>{children}</div>
    </div>
  );
});
