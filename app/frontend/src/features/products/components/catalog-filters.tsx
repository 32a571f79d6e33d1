import { useEffect, useState, type FormEvent } from 'react';
import type { Category } from '@/types/api';

export type CatalogFilterValues = { search: string; category: string; ordering: string };

type Props = {
  values: CatalogFilterValues;
  categories: Category[];
  onChange: (values: CatalogFilterValues) => void;
};

const ORDERINGS = [
  { value: 'name', label: 'Name, A–Z' },
  { value: '-name', label: 'Name, Z–A' },
  { value: 'price', label: 'Price, low to high' },
  { value: '-price', label: 'Price, high to low' },
  { value: '-created_at', label: 'Newest first' }
] as const;

/** Search box (applied on submit), category and sort order (applied on change). */
export function CatalogFilters({ values, categories, onChange }: Props) {
  const [search, setSearch] = useState(values.search);
  // The header's search box can change the URL too; follow it.
  useEffect(() => setSearch(values.search), [values.search]);

  function submit(event: FormEvent) {
    event.preventDefault();
    onChange({ ...values, search: search.trim() });
  }

  return (
    <form className="catalog-filters" role="search" aria-label="Filter products" onSubmit={submit}>
      <div className="field field-search">
        <label htmlFor="catalog-search">Search</label>
        <div className="input-with-button">
          <input
            id="catalog-search"
            type="search"
            name="search"
            placeholder="Search products"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
          <button type="submit" className="button button-primary">
            Search
          </button>
        </div>
      </div>
      <div className="field">
        <label htmlFor="catalog-category">Category</label>
        <select
          id="catalog-category"
          value={values.category}
          onChange={(event) =>
            onChange({ ...values, search: search.trim(), category: event.target.value })
          }
        >
          <option value="">All categories</option>
          {categories.map((category) => (
            <option key={category.slug} value={category.slug}>
              {category.name}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="catalog-ordering">Sort by</label>
        <select
          id="catalog-ordering"
          value={values.ordering || 'name'}
          onChange={(event) =>
            onChange({ ...values, search: search.trim(), ordering: event.target.value })
          }
        >
          {ORDERINGS.map((ordering) => (
            <option key={ordering.value} value={ordering.value}>
              {ordering.label}
            </option>
          ))}
        </select>
      </div>
    </form>
  );
}
