import { useRef, useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field, SelectField, TextareaField } from '@/components/ui/field';
import type { ApiError, FieldErrors } from '@/lib/api-error';
import { focusFirstProblem, zodFieldErrors } from '@/lib/form';
import type { Category, Product } from '@/types/api';
import { productInputSchema, type ProductInput } from '../api/product-input';

type Props = {
  product?: Product;
  categories: Category[];
  submitLabel: string;
  onSubmit: (input: ProductInput) => Promise<unknown>;
};

const toValues = (product?: Product): Record<keyof ProductInput, string> => ({
  name: product?.name ?? '',
  description: product?.description ?? '',
  price: product?.price ?? '',
  stock: String(product?.stock ?? 0),
  category: product?.category?.slug ?? '',
  // The backend's generated picture is what an empty value means; do not pin it as a custom URL.
  image_url: product?.image_url && !GENERATED_IMAGE.test(product.image_url) ? product.image_url : ''
});

const GENERATED_IMAGE = /^\/api\/products\/\d+\/image\.svg$/;

/** Create/edit form for staff. What was typed stays after a failed save; errors sit by their fields. */
export function ProductForm({ product, categories, submitLabel, onSubmit }: Props) {
  const [values, setValues] = useState(() => toValues(product));
  const [fields, setFields] = useState<FieldErrors>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  const set = (name: keyof ProductInput) => (event: { target: { value: string } }) =>
    setValues((current) => ({ ...current, [name]: event.target.value }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    const parsed = productInputSchema.safeParse(values);
    if (!parsed.success) {
      setFields(zodFieldErrors(parsed.error));
      setMessage('Please correct the highlighted fields.');
      focusFirstProblem(formRef.current);
      return;
    }
    setBusy(true);
    setMessage(null);
    setFields({});
    try {
      await onSubmit(parsed.data);
    } catch (error) {
      const apiError = error as ApiError;
      setFields(apiError.fields ?? {});
      setMessage(apiError.message);
      focusFirstProblem(formRef.current);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form ref={formRef} className="form-card" noValidate onSubmit={submit} aria-label={submitLabel}>
      {message ? <Alert>{message}</Alert> : null}
      <Field
        label="Name"
        name="name"
        required
        value={values.name}
        onChange={set('name')}
        errors={fields.name}
      />
      <TextareaField
        label="Description"
        name="description"
        rows={5}
        value={values.description}
        onChange={set('description')}
        errors={fields.description}
      />
      <div className="field-row">
        <Field
          label="Price"
          name="price"
          inputMode="decimal"
          required
          value={values.price}
          onChange={set('price')}
          errors={fields.price}
          hint="In dollars, e.g. 19.99"
        />
        <Field
          label="Stock"
          name="stock"
          type="number"
          min={0}
          required
          value={values.stock}
          onChange={set('stock')}
          errors={fields.stock}
        />
      </div>
      <SelectField
        label="Category"
        name="category"
        required
        value={values.category}
        onChange={set('category')}
        errors={fields.category}
      >
        <option value="">Choose a category</option>
        {categories.map((category) => (
          <option key={category.slug} value={category.slug}>
            {category.name}
          </option>
        ))}
      </SelectField>
      <Field
        label="Image address"
        name="image_url"
        type="url"
        value={values.image_url}
        onChange={set('image_url')}
        errors={fields.image_url}
        hint="Optional: a full https:// address of the product photo."
      />
      <Button type="submit" busy={busy}>
        {submitLabel}
      </Button>
    </form>
  );
}
