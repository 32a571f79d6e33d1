import { useState, type FormEvent, type ReactNode } from 'react';
import { Link, NavLink } from 'react-router';
import { env } from '@/config/env';
import { paths } from '@/config/paths';
import { Notifications } from '@/components/ui/notifications';
import type { User } from '@/types/api';

type Props = {
  user: User | null;
  cartCount: number;
  onLogout: () => void;
  onSearch: (search: string) => void;
  children: ReactNode;
};

/** Header (brand, search, cart, account), main landmark with a skip link, footer. */
export function ShopLayout({ user, cartCount, onLogout, onSearch, children }: Props) {
  const [search, setSearch] = useState('');
  const [menuOpen, setMenuOpen] = useState(false);

  function submit(event: FormEvent) {
    event.preventDefault();
    onSearch(search.trim());
  }

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <div className="container header-inner">
          <Link to={paths.catalog} className="brand" aria-label={`${env.APP_NAME} home`}>
            <img src="/favicon.svg" alt="" width="32" height="32" />
            <span>{env.APP_NAME}</span>
          </Link>
          <form
            className="header-search"
            role="search"
            aria-label="Search the shop"
            onSubmit={submit}
          >
            <label htmlFor="header-search" className="visually-hidden">
              Search products
            </label>
            <input
              id="header-search"
              type="search"
              placeholder="Search products"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
            />
            <button type="submit" className="button button-accent">
              Search
            </button>
          </form>
          <button
            type="button"
            className="menu-toggle"
            aria-expanded={menuOpen}
            aria-controls="site-nav"
            onClick={() => setMenuOpen((open) => !open)}
          >
            Menu
          </button>
          <nav
            id="site-nav"
            className={`site-nav ${menuOpen ? 'open' : ''}`}
            aria-label="Main"
            onClick={() => setMenuOpen(false)}
          >
            <NavLink to={paths.catalog} end>
              Shop
            </NavLink>
            {user ? (
              <>
                <NavLink to={paths.orders}>My orders</NavLink>
                <NavLink to={paths.account}>Account</NavLink>
                {user.is_staff ? (
                  <>
                    <NavLink to={paths.staffProducts}>Manage products</NavLink>
                    <NavLink to={paths.staffOrders}>Manage orders</NavLink>
                    <NavLink to={paths.staffFraud}>Fraud review</NavLink>
                  </>
                ) : null}
                <button type="button" className="link-button" onClick={onLogout}>
                  Sign out
                </button>
              </>
            ) : (
              <>
                <NavLink to={paths.login}>Sign in</NavLink>
                <NavLink to={paths.register}>Create account</NavLink>
              </>
            )}
            <NavLink to={paths.cart} className="cart-link">
              <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                <path
                  d="M3 4h2l2.2 10.2a2 2 0 0 0 2 1.6h7.6a2 2 0 0 0 2-1.5L20.5 8H6.2"
                  fill="none"
                  stroke="currentColor"
                  strokeWidth="1.8"
                  strokeLinecap="round"
                  strokeLinejoin="round"
                />
                <circle cx="10" cy="20" r="1.4" fill="currentColor" />
                <circle cx="17" cy="20" r="1.4" fill="currentColor" />
              </svg>
              <span>Cart</span>
              <span className="cart-count" data-testid="cart-count">
                {cartCount}
              </span>
              <span className="visually-hidden">{cartCount === 1 ? 'item' : 'items'}</span>
            </NavLink>
          </nav>
        </div>
      </header>
      <main id="main" className="container main" tabIndex={-1}>
        {children}
      </main>
      <footer className="site-footer">
        <div className="container footer-inner">
          <p>
            © {new Date().getFullYear()} {env.APP_NAME}. Free returns within 30 days.
          </p>
          <p className="muted">Secure checkout · Prices include tax</p>
        </div>
      </footer>
      <Notifications />
    </div>
  );
}
