import { useNavigate, useParams } from 'react-router';
import { Alert } from '@/components/ui/alert';
import { notify } from '@/lib/notifications';
import { PageTitle } from '@/components/ui/page-title';
import { Spinner } from '@/components/ui/spinner';
import { paths } from '@/config/paths';
import { useCreateProduct } from '@/features/products/api/create-product';
import { useCategories } from '@/features/products/api/get-categories';
import { useProduct } from '@/features/products/api/get-product';
import { useUpdateProduct } from '@/features/products/api/update-product';
import { ProductForm } from '@/features/products/components/product-form';

/** Staff: create a product (no id in the URL) or edit one. */
export default function ProductEditorRoute() {
  const params = useParams();
  const id = params.id ? Number(params.id) : null;
  const navigate = useNavigate();
  const categories = useCategories();
  const product = useProduct(id ?? 0);
  const create = useCreateProduct();
  const update = useUpdateProduct();

  const loading = categories.isPending || (id !== null && product.isPending);
  const error = categories.error ?? (id !== null ? product.error : null);

  return (
    <div className="narrow-wide">
      <PageTitle title={id === null ? 'New product' : `Edit ${product.data?.name ?? 'product'}`} />
      {loading ? <Spinner /> : null}
      {error ? <Alert>{error.message}</Alert> : null}
      {!loading && !error ? (
        <ProductForm
          product={id === null ? undefined : product.data}
          categories={categories.data ?? []}
          submitLabel={id === null ? 'Create product' : 'Save changes'}
          onSubmit={async (input) => {
            const saved =
              id === null
                ? await create.mutateAsync(input)
                : await update.mutateAsync({ id, input });
            notify(`${saved.name} saved.`);
            navigate(paths.staffProducts);
          }}
        />
      ) : null}
    </div>
  );
}
