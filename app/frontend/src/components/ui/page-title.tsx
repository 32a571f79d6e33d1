import { useEffect, type ReactNode } from 'react';
import { env } from '@/config/env';

type Props = { title: string; children?: ReactNode; lead?: ReactNode };

/**
 * The page's h1 and document title. The h1 can take focus: after each navigation the app
 * moves focus here so screen-reader users hear where they arrived.
 */
export function PageTitle({ title, children, lead }: Props) {
  useEffect(() => {
    document.title = `${title} · ${env.APP_NAME}`;
  }, [title]);
  return (
    <div className="page-title">
      <div>
        <h1 tabIndex={-1}>{title}</h1>
        {lead ? <p className="lead">{lead}</p> : null}
      </div>
      {children}
    </div>
  );
}
