import { Link, useNavigate, useSearchParams } from 'react-router';
import { notify } from '@/lib/notifications';
import { PageTitle } from '@/components/ui/page-title';
import { paths, safeNext } from '@/config/paths';
import { RegisterForm } from '@/features/auth/components/register-form';

export function RegisterRoute() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const next = safeNext(params.get('next'));
  return (
    <div className="narrow">
      <PageTitle title="Create your account" />
      <RegisterForm
        onSuccess={(user) => {
          notify(`Welcome, ${user.first_name || user.email}! Your account is ready.`);
          navigate(next, { replace: true });
        }}
      />
      <p className="form-footer">
        Already have an account?{' '}
        <Link to={`${paths.login}?next=${encodeURIComponent(next)}`}>Sign in</Link>
      </p>
    </div>
  );
}
