import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { PageTitle } from '@/components/ui/page-title';
import { Spinner } from '@/components/ui/spinner';
import { paths } from '@/config/paths';
import { useUser } from '@/features/auth/api/get-me';

/** Sends a signed-out person to sign in (and back here after); staff pages also need is_staff. */
export function RequireAuth({ children, staff = false }: { children: ReactNode; staff?: boolean }) {
  const { user, isLoading } = useUser();
  const location = useLocation();
  if (isLoading) return <Spinner />;
  if (!user) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`${paths.login}?next=${next}`} replace />;
  }
  if (staff && !user.is_staff) {
    return (
      <>
        <PageTitle title="Staff only" />
        <p>This page is for shop staff. If you should have access, ask an administrator.</p>
      </>
    );
  }
  return children;
}
