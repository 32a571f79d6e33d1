import { Link, useNavigate, useSearchParams } from 'react-router';
import { PageTitle } from '@/components/ui/page-title';
import { paths, safeNext } from '@/config/paths';
import { LoginForm } from '@/features/auth/components/login-form';

export function LoginRoute() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const next = safeNext(params.get('next'));
  return (
    <div className="narrow">
      <PageTitle title="Sign in" />
      <LoginForm
        onSuccess={() => navigate(next, { replace: true })}
        initialEmail={params.get('email') ?? ''}
      />
      <p className="form-footer">
        New here?{' '}
        <Link to={`${paths.register}?next=${encodeURIComponent(next)}`}>Create an account</Link>
      </p>
    </div>
  );
}
