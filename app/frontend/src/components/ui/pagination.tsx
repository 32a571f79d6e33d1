import { pageWindow } from '@/utils/page-window';

type Props = { page: number; pages: number; onChange: (page: number) => void };

/** Previous / numbered / next page buttons; the current page is marked for assistive tech. */
export function Pagination({ page, pages, onChange }: Props) {
  if (pages <= 1) return null;
  const numbers = pageWindow(page, pages);
  return (
    <nav className="pagination" aria-label="Pages">
      <button
        type="button"
        className="button button-ghost"
        disabled={page <= 1}
        onClick={() => onChange(page - 1)}
      >
        ← Previous
      </button>
      <ul>
        {numbers.map((n, i) =>
          n === null ? (
            <li key={`gap-${i}`} aria-hidden="true">
              …
            </li>
          ) : (
            <li key={n}>
              <button
                type="button"
                className={`page-number ${n === page ? 'current' : ''}`}
                aria-current={n === page ? 'page' : undefined}
                aria-label={`Page ${n}`}
                onClick={() => onChange(n)}
              >
                {n}
              </button>
            </li>
          )
        )}
      </ul>
      <button
        type="button"
        className="button button-ghost"
        disabled={page >= pages}
        onClick={() => onChange(page + 1)}
      >
        Next →
      </button>
    </nav>
  );
}
