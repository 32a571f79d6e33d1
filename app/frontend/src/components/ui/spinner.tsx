type Props = { size?: 'small' | 'large'; label?: string };

/** A loading indicator; with a label it is announced, without one it is decoration. */
export function Spinner({ size = 'large', label = 'Loading…' }: Props) {
  return (
    <span className={`spinner-wrap spinner-${size}`} role={label ? 'status' : undefined}>
      <span className="spinner" aria-hidden="true" />
      {label ? <span className="visually-hidden">{label}</span> : null}
    </span>
  );
}
