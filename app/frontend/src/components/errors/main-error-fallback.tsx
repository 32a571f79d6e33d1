/** What a person sees if the page itself crashes: a way forward, not a blank screen. */
export function MainErrorFallback() {
  return (
    <div className="page-error" role="alert">
      <h1>Something went wrong on this page</h1>
      <p>Your cart is saved. Reloading the page usually helps.</p>
      <button
        type="button"
        className="button button-primary"
        onClick={() => window.location.assign(window.location.origin)}
      >
        Reload the shop
      </button>
    </div>
  );
}
