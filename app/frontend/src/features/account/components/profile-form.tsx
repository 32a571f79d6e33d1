import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { notify } from '@/lib/notifications';
import type { ApiError, FieldErrors } from '@/lib/api-error';
import type { User } from '@/types/api';
import { useUpdateMe } from '../api/update-me';

export function ProfileForm({ user }: { user: User }) {
  const [values, setValues] = useState({ first_name: user.first_name, last_name: user.last_name });
  const [fields, setFields] = useState<FieldErrors>({});
  const [message, setMessage] = useState<string | null>(null);
  const update = useUpdateMe();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setMessage(null);
    try {
      await update.mutateAsync(values);
      setFields({});
      notify('Your details were saved.');
    } catch (e) {
      setFields((e as ApiError).fields ?? {});
      setMessage((e as ApiError).message);
    }
  }

  return (
    <section className="panel" aria-labelledby="profile-heading">
      <h2 id="profile-heading">Your details</h2>
      <form noValidate onSubmit={submit}>
        {message ? <Alert>{message}</Alert> : null}
        <Field
          label="Email"
          value={user.email}
          readOnly
          disabled
          hint="Your email is how you sign in."
        />
        <div className="field-row">
          <Field
            label="First name"
            name="first_name"
            autoComplete="given-name"
            value={values.first_name}
            onChange={(e) => setValues({ ...values, first_name: e.target.value })}
            errors={fields.first_name}
          />
          <Field
            label="Last name"
            name="last_name"
            autoComplete="family-name"
            value={values.last_name}
            onChange={(e) => setValues({ ...values, last_name: e.target.value })}
            errors={fields.last_name}
          />
        </div>
        <Button type="submit" busy={update.isPending}>
          Save details
        </Button>
      </form>
    </section>
  );
}
