import { useRef, useState, type FormEvent } from 'react';
import { AddressFields } from '@/components/forms/address-fields';
import { EMPTY_ADDRESS, formatAddress, type AddressValues } from '@/components/forms/address';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { notify } from '@/lib/notifications';
import { Spinner } from '@/components/ui/spinner';
import type { ApiError, FieldErrors } from '@/lib/api-error';
import { focusFirstProblem, zodFieldErrors } from '@/lib/form';
import type { Address } from '@/types/api';
import { addressInputSchema } from '../api/address-input';
import { useCreateAddress } from '../api/create-address';
import { useDeleteAddress } from '../api/delete-address';
import { useAddresses } from '../api/get-addresses';
import { useUpdateAddress } from '../api/update-address';

/** The signed-in person's saved addresses: list, add, edit, delete, choose the default. */
export function AddressBook() {
  const addresses = useAddresses();
  const [editing, setEditing] = useState<Address | 'new' | null>(null);
  const update = useUpdateAddress();
  const remove = useDeleteAddress();
  const [error, setError] = useState<string | null>(null);

  if (addresses.isPending) return <Spinner />;
  if (addresses.error) return <Alert>{(addresses.error as ApiError).message}</Alert>;

  async function act(action: () => Promise<unknown>, done: string) {
    setError(null);
    try {
      await action();
      notify(done);
    } catch (e) {
      setError((e as ApiError).message);
    }
  }

  return (
    <section aria-labelledby="addresses-heading" className="panel">
      <div className="panel-header">
        <h2 id="addresses-heading">Addresses</h2>
        {editing === null ? (
          <Button variant="secondary" onClick={() => setEditing('new')}>
            Add an address
          </Button>
        ) : null}
      </div>
      {error ? <Alert>{error}</Alert> : null}
      {addresses.data.length === 0 && editing === null ? (
        <p className="muted">No saved addresses yet. Add one to check out faster.</p>
      ) : null}
      <ul className="address-list">
        {addresses.data.map((address) =>
          editing !== null && editing !== 'new' && editing.id === address.id ? (
            <li key={address.id}>
              <AddressEditor address={address} onDone={() => setEditing(null)} />
            </li>
          ) : (
            <li key={address.id} className="address-item">
              <p>
                {formatAddress(address)}
                {address.is_default ? <span className="badge">Default</span> : null}
              </p>
              <div className="address-actions">
                <Button
                  variant="ghost"
                  onClick={() => setEditing(address)}
                  aria-label={`Edit address of ${address.full_name}, ${address.line1}`}
                >
                  Edit
                </Button>
                {address.is_default ? null : (
                  <Button
                    variant="ghost"
                    onClick={() =>
                      act(
                        () => update.mutateAsync({ id: address.id, input: { is_default: true } }),
                        'Default address changed.'
                      )
                    }
                  >
                    Make default
                  </Button>
                )}
                <Button
                  variant="ghost"
                  onClick={() => act(() => remove.mutateAsync(address.id), 'Address deleted.')}
                  aria-label={`Delete address of ${address.full_name}, ${address.line1}`}
                >
                  Delete
                </Button>
              </div>
            </li>
          )
        )}
      </ul>
      {editing === 'new' ? <AddressEditor onDone={() => setEditing(null)} /> : null}
    </section>
  );
}

function AddressEditor({ address, onDone }: { address?: Address; onDone: () => void }) {
  const [values, setValues] = useState<AddressValues>(address ?? EMPTY_ADDRESS);
  const [fields, setFields] = useState<FieldErrors>({});
  const [message, setMessage] = useState<string | null>(null);
  const create = useCreateAddress();
  const update = useUpdateAddress();
  const formRef = useRef<HTMLFormElement>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const parsed = addressInputSchema.safeParse(values);
    if (!parsed.success) {
      setFields(zodFieldErrors(parsed.error));
      setMessage('Please correct the highlighted fields.');
      focusFirstProblem(formRef.current);
      return;
    }
    try {
      if (address) await update.mutateAsync({ id: address.id, input: parsed.data });
      else await create.mutateAsync(parsed.data);
      notify(address ? 'Address saved.' : 'Address added.');
      onDone();
    } catch (e) {
      const apiError = e as ApiError;
      setFields(apiError.fields ?? {});
      setMessage(apiError.message);
      focusFirstProblem(formRef.current);
    }
  }

  return (
    <form
      ref={formRef}
      className="form-card"
      noValidate
      onSubmit={submit}
      aria-label={address ? 'Edit address' : 'New address'}
    >
      {message ? <Alert>{message}</Alert> : null}
      <AddressFields
        section={address ? `address-${address.id}` : 'new-address'}
        values={values}
        errors={fields}
        onChange={setValues}
      />
      <div className="form-actions">
        <Button type="submit" busy={create.isPending || update.isPending}>
          {address ? 'Save address' : 'Add address'}
        </Button>
        <Button variant="ghost" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
