import { useRef, useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import type { ApiError, FieldErrors } from '@/lib/api-error';
import { focusFirstProblem, zodFieldErrors } from '@/lib/form';
import { loginInputSchema, useLogin } from '../api/login';

type Props = { onSuccess: () => void; initialEmail?: string; notice?: string | null };

export function LoginForm({ onSuccess, initialEmail = '', notice }: Props) {
  const [values, setValues] = useState({ email: initialEmail, password: '' });
  const [fields, setFields] = useState<FieldErrors>({});
  const [message, setMessage] = useState<string | null>(null);
  const login = useLogin();
  const formRef = useRef<HTMLFormElement>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const parsed = loginInputSchema.safeParse(values);
    if (!parsed.success) {
      setFields(zodFieldErrors(parsed.error));
      setMessage(null);
      focusFirstProblem(formRef.current);
      return;
    }
    setFields({});
    setMessage(null);
    try {
      await login.mutateAsync(parsed.data);
      onSuccess();
    } catch (e) {
      setFields((e as ApiError).fields ?? {});
      setMessage((e as ApiError).message);
      focusFirstProblem(formRef.current);
    }
  }

  return (
    <form
      ref={formRef}
      className="form-card auth-form"
      noValidate
      onSubmit={submit}
      aria-label="Sign in"
    >
      {notice ? <Alert tone="success">{notice}</Alert> : null}
      {message ? <Alert>{message}</Alert> : null}
      <Field
        label="Email"
        name="email"
        type="email"
        autoComplete="email"
        required
        value={values.email}
        onChange={(e) => setValues({ ...values, email: e.target.value })}
        errors={fields.email}
      />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="current-password"
        required
        value={values.password}
        onChange={(e) => setValues({ ...values, password: e.target.value })}
        errors={fields.password}
      />
      <Button type="submit" className="button-block" busy={login.isPending}>
        Sign in
      </Button>
    </form>
  );
}
