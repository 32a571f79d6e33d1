import { useState } from 'react';

type Props = { src: string | null; alt: string; className?: string; eager?: boolean };

/** The product's photo, or a neutral placeholder when there is none or it fails to load. */
export function ProductImage({ src, alt, className, eager = false }: Props) {
  const [failed, setFailed] = useState(false);
  if (!src || failed) {
    return (
      <div className={`product-image placeholder ${className ?? ''}`} role="img" aria-label={alt}>
        <svg viewBox="0 0 24 24" aria-hidden="true">
          <path
            d="M4 5h16v14H4z M4 15l4-4 5 5 3-3 4 4"
            fill="none"
            stroke="currentColor"
            strokeWidth="1.4"
          />
        </svg>
      </div>
    );
  }
  return (
    <img
      className={`product-image ${className ?? ''}`}
      src={src}
      alt={alt}
      loading={eager ? 'eager' : 'lazy'}
      decoding="async"
      onError={() => setFailed(true)}
    />
  );
}
