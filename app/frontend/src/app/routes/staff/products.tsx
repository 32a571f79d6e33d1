import { Link, useSearchParams } from 'react-router';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { notify } from '@/lib/notifications';
import { Pagination } from '@/components/ui/pagination';
import { PageTitle } from '@/components/ui/page-title';
import { Spinner } from '@/components/ui/spinner';
import { paths } from '@/config/paths';
import { useArchiveProduct } from '@/features/products/api/archive-product';
import { useProducts } from '@/features/products/api/get-products';
import { formatMoney } from '@/utils/money';

export default function StaffProductsRoute() {
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page')) || 1);
  const products = useProducts({ page, pageSize: 24, ordering: '-created_at' });
  const archive = useArchiveProduct();
  return (
    <>
      <PageTitle title="Manage products">
        <Link to={paths.staffProductNew} className="button button-primary">
          New product
        </Link>
      </PageTitle>
      {products.isPending ? <Spinner /> : null}
      {products.error ? <Alert>{products.error.message}</Alert> : null}
      {archive.error ? <Alert>{archive.error.message}</Alert> : null}
      {products.data ? (
        <>
          <table className="order-table">
            <caption className="visually-hidden">Products</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Category</th>
                <th scope="col">Price</th>
                <th scope="col">Stock</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {products.data.results.map((product) => (
                <tr key={product.id}>
                  <td data-label="Name">{product.name}</td>
                  <td data-label="Category">{product.category?.name ?? '—'}</td>
                  <td data-label="Price">{formatMoney(product.price, product.currency)}</td>
                  <td data-label="Stock">{product.stock}</td>
                  <td data-label="Actions" className="row-actions">
                    <Link
                      to={paths.staffProductEdit(product.id)}
                      aria-label={`Edit ${product.name}`}
                    >
                      Edit
                    </Link>
                    <Button
                      variant="ghost"
                      aria-label={`Archive ${product.name}`}
                      onClick={() => {
                        if (
                          window.confirm(
                            `Archive “${product.name}”? It leaves the catalog but stays on past orders.`
                          )
                        ) {
                          archive.mutateAsync(product.id).then(
                            () => notify(`${product.name} archived.`),
                            () => undefined
                          );
                        }
                      }}
                    >
                      Archive
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pagination
            page={products.data.page}
            pages={products.data.num_pages}
            onChange={(next) => setParams({ page: String(next) })}
          />
        </>
      ) : null}
    </>
  );
}
