import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import type { ApiError, FieldErrors } from '@/lib/api-error';
import { focusFirstProblem, zodFieldErrors } from '@/lib/form';
import type { User } from '@/types/api';
import { meQueryKey } from '../api/get-me';
import { login } from '../api/login';
import { registerInputSchema, useRegister } from '../api/register';

type Props = { onSuccess: (user: User) => void };

/** Creates the account and signs straight in with the same credentials. */
export function RegisterForm({ onSuccess }: Props) {
  const [values, setValues] = useState({ first_name: '', last_name: '', email: '', password: '' });
  const [fields, setFields] = useState<FieldErrors>({});
  const [message, setMessage] = useState<string | null>(null);
  const [signingIn, setSigningIn] = useState(false);
  const register = useRegister();
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const set = (name: keyof typeof values) => (e: { target: { value: string } }) =>
    setValues({ ...values, [name]: e.target.value });

  async function submit(event: FormEvent) {
    event.preventDefault();
    const parsed = registerInputSchema.safeParse(values);
    if (!parsed.success) {
      setFields(zodFieldErrors(parsed.error));
      setMessage('Please correct the highlighted fields.');
      focusFirstProblem(formRef.current);
      return;
    }
    setFields({});
    setMessage(null);
    try {
      await register.mutateAsync(parsed.data);
      setSigningIn(true);
      const user = await login({ email: parsed.data.email, password: parsed.data.password });
      queryClient.setQueryData(meQueryKey, user);
      onSuccess(user);
    } catch (e) {
      setFields((e as ApiError).fields ?? {});
      setMessage((e as ApiError).message);
      focusFirstProblem(formRef.current);
    } finally {
      setSigningIn(false);
    }
  }

  return (
    <form
      ref={formRef}
      className="form-card auth-form"
      noValidate
      onSubmit={submit}
      aria-label="Create account"
    >
      {message ? <Alert>{message}</Alert> : null}
      <div className="field-row">
        <Field
          label="First name"
          name="first_name"
          autoComplete="given-name"
          value={values.first_name}
          onChange={set('first_name')}
          errors={fields.first_name}
        />
        <Field
          label="Last name"
          name="last_name"
          autoComplete="family-name"
          value={values.last_name}
          onChange={set('last_name')}
          errors={fields.last_name}
        />
      </div>
      <Field
        label="Email"
        name="email"
        type="email"
        autoComplete="email"
        required
        value={values.email}
        onChange={set('email')}
        errors={fields.email}
      />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        value={values.password}
        onChange={set('password')}
        errors={fields.password}
        hint="At least 8 characters; not too common or too similar to your email."
      />
      <Button type="submit" className="button-block" busy={register.isPending || signingIn}>
        Create account
      </Button>
    </form>
  );
}
