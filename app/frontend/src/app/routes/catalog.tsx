import { useSearchParams } from 'react-router';
import { Alert } from '@/components/ui/alert';
import { Pagination } from '@/components/ui/pagination';
import { PageTitle } from '@/components/ui/page-title';
import { Spinner } from '@/components/ui/spinner';
import { AddToCart } from '@/features/cart/components/add-to-cart';
import { useCategories } from '@/features/products/api/get-categories';
import { useProducts } from '@/features/products/api/get-products';
import {
  CatalogFilters,
  type CatalogFilterValues
} from '@/features/products/components/catalog-filters';
import { ProductGrid } from '@/features/products/components/product-grid';

/** The catalog: its filters live in the URL, so they survive reloads and can be shared. */
export function CatalogRoute() {
  const [params, setParams] = useSearchParams();
  const filters = {
    search: params.get('search') ?? '',
    category: params.get('category') ?? '',
    ordering: params.get('ordering') ?? '',
    page: Math.max(1, Number(params.get('page')) || 1)
  };
  const products = useProducts(filters);
  const categories = useCategories();

  function update(values: CatalogFilterValues & { page?: number }) {
    const next = new URLSearchParams();
    if (values.search) next.set('search', values.search);
    if (values.category) next.set('category', values.category);
    if (values.ordering && values.ordering !== 'name') next.set('ordering', values.ordering);
    if (values.page && values.page > 1) next.set('page', String(values.page));
    setParams(next);
  }

  const categoryName = categories.data?.find((c) => c.slug === filters.category)?.name;
  const title = filters.search
    ? `Results for “${filters.search}”`
    : (categoryName ?? 'All products');
  const count = products.data?.count;

  return (
    <>
      <PageTitle
        title={title}
        lead={
          filters.search || categoryName
            ? undefined
            : 'Well-made things for the kitchen, the desk and the outdoors — delivered fast, returned free.'
        }
      />
      <CatalogFilters
        values={filters}
        categories={categories.data ?? []}
        onChange={(values) => update({ ...values, page: 1 })}
      />
      <p className="result-count" aria-live="polite">
        {count === undefined ? '' : count === 1 ? '1 product' : `${count} products`}
      </p>
      {products.isPending ? <Spinner label="Loading products…" /> : null}
      {products.error ? <Alert>{products.error.message}</Alert> : null}
      {products.data && products.data.results.length === 0 ? (
        <div className="empty-state">
          <p>No products match your search.</p>
          <button
            type="button"
            className="button button-secondary"
            onClick={() => update({ search: '', category: '', ordering: '' })}
          >
            Show all products
          </button>
        </div>
      ) : null}
      {products.data ? (
        <>
          <ProductGrid
            products={products.data.results}
            busy={products.isPlaceholderData}
            renderAction={(product) => <AddToCart product={product} />}
          />
          <Pagination
            page={products.data.page}
            pages={products.data.num_pages}
            onChange={(page) => update({ ...filters, page })}
          />
        </>
      ) : null}
    </>
  );
}
