import { Field, SelectField } from '@/components/ui/field';
import type { FieldErrors } from '@/lib/api-error';
import { COUNTRIES, type AddressValues } from './address';

type Props = {
  values: AddressValues;
  errors: FieldErrors;
  onChange: (values: AddressValues) => void;
  /** Prefix for input names and autocomplete sections, e.g. "billing". */
  section: string;
};

/** The fields of a postal address, with the browser's autofill hints. */
export function AddressFields({ values, errors, onChange, section }: Props) {
  const set = (name: keyof AddressValues) => (event: { target: { value: string } }) =>
    onChange({ ...values, [name]: event.target.value });
  const auto = (token: string) => `section-${section} billing ${token}`;
  return (
    <div className="address-fields">
      <Field
        label="Full name"
        name={`${section}-full_name`}
        autoComplete={auto('name')}
        required
        value={values.full_name}
        onChange={set('full_name')}
        errors={errors.full_name}
      />
      <Field
        label="Address line 1"
        name={`${section}-line1`}
        autoComplete={auto('address-line1')}
        required
        value={values.line1}
        onChange={set('line1')}
        errors={errors.line1}
      />
      <Field
        label="Address line 2 (optional)"
        name={`${section}-line2`}
        autoComplete={auto('address-line2')}
        value={values.line2}
        onChange={set('line2')}
        errors={errors.line2}
      />
      <div className="field-row">
        <Field
          label="City"
          name={`${section}-city`}
          autoComplete={auto('address-level2')}
          required
          value={values.city}
          onChange={set('city')}
          errors={errors.city}
        />
        <Field
          label="State / region"
          name={`${section}-state`}
          autoComplete={auto('address-level1')}
          value={values.state}
          onChange={set('state')}
          errors={errors.state}
        />
      </div>
      <div className="field-row">
        <Field
          label="Postal code"
          name={`${section}-postal_code`}
          autoComplete={auto('postal-code')}
          required
          value={values.postal_code}
          onChange={set('postal_code')}
          errors={errors.postal_code}
        />
        <SelectField
          label="Country"
          name={`${section}-country`}
          autoComplete={auto('country')}
          value={values.country}
          onChange={set('country')}
          errors={errors.country}
        >
          {COUNTRIES.some(([code]) => code === values.country) ? null : (
            <option value={values.country}>{values.country}</option>
          )}
          {COUNTRIES.map(([code, name]) => (
            <option key={code} value={code}>
              {name}
            </option>
          ))}
        </SelectField>
      </div>
    </div>
  );
}
