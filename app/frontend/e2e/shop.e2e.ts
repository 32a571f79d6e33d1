// The storefront in a real browser against the real backend: a shopper's whole journey, a
// declined card, and the staff pages. Screenshots of the main pages go to
// artifacts/screenshots/ (CI uploads artifacts/).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { accessibilityProblems } from './accessibility';
import { launchBrowser } from './browser';
import { REPO_ROOT, STAFF, startStack, type Stack } from './stack';

const SHOTS = process.env.SCREENSHOT_DIR ?? join(REPO_ROOT, 'artifacts/screenshots');
mkdirSync(SHOTS, { recursive: true });

let stack: Stack | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  stack = await startStack();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function newShopper(
  viewport = { width: 1280, height: 900 }
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser!.newContext({ viewport, baseURL: stack!.url });
  const page = await context.newPage();
  // Any request leaving loopback would be a bug (Stripe.js must not load on the offline gateway).
  await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort());
  return { context, page };
}

/** A full-page screenshot once every image (including lazy ones below the fold) has loaded. */
async function shot(page: Page, name: string) {
  await page.evaluate(async () => {
    const images = [...document.images];
    images.forEach((img) => (img.loading = 'eager'));
    await Promise.all(images.map((img) => (img.complete ? null : img.decode().catch(() => null))));
  });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function register(page: Page, email: string, password: string) {
  await page.goto('/register');
  await page.getByLabel('First name').fill('Ada');
  await page.getByLabel('Last name').fill('Lovelace');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

async function signIn(page: Page, email: string, password: string) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

async function fillNewAddressAndCard(page: Page, cardNumber: string) {
  await page.getByLabel('Full name').fill('Ada Lovelace');
  await page.getByLabel('Address line 1').fill('12 Analytical Row');
  await page.getByLabel('City').fill('Springfield');
  await page.getByLabel('State / region').fill('IL');
  await page.getByLabel('Postal code').fill('62701');
  await page.getByLabel('Card number').fill(cardNumber);
  await page.getByLabel('Expiry (MM/YY)').fill('12/34');
  await page.getByLabel('Security code (CVC)').fill('123');
}

/** A paid order placed straight through the API, so the staff test does not depend on another test. */
async function placeOrderViaApi(): Promise<number> {
  const api = (path: string, body: unknown, token?: string) =>
    fetch(`${stack!.url}/api${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {})
      },
      body: JSON.stringify(body)
    }).then(async (response) => {
      const json = (await response.json()) as Record<string, unknown>;
      if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${JSON.stringify(json)}`);
      return json;
    });
  const credentials = { email: `api-${unique()}@example.com`, password: 'correct-horse-battery-9' };
  await api('/auth/register/', credentials);
  const { access } = (await api('/auth/token/', credentials)) as { access: string };
  const order = await api(
    '/orders/',
    {
      items: [{ product_id: 1, quantity: 1 }],
      billing_address: {
        full_name: 'Grace Hopper',
        line1: '1 Navy Way',
        line2: '',
        city: 'Arlington',
        state: 'VA',
        postal_code: '22202',
        country: 'US'
      },
      payment: {
        card: {
          number: '4242424242424242',
          exp_month: 12,
          exp_year: 2034,
          cvc: '123',
          name: 'Grace Hopper'
        }
      }
    },
    access
  );
  return order.id as number;
}

const unique = () => `${Date.now()}-${Math.random().toString(36).slice(2, 7)}`;

describe('storefront against the real backend', () => {
  test('a shopper registers, signs in, searches, adds to cart, pays with 4242 4242 4242 4242 and sees the order in My orders', async () => {
    const { context, page } = await newShopper();
    const email = `shopper-${unique()}@example.com`;
    const password = 'correct-horse-battery-9';

    await page.goto('/');
    await expect.poll(() => page.getByTestId('product-card').count()).toBeGreaterThan(3);
    await shot(page, '01-catalog');
    expect(await accessibilityProblems(page)).toEqual([]);

    await register(page, email, password);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, email, password);

    await page.getByRole('searchbox', { name: 'Search products' }).fill('skillet');
    await page
      .getByRole('search', { name: 'Search the shop' })
      .getByRole('button', { name: 'Search' })
      .click();
    await page.getByRole('heading', { name: /Results for .skillet./ }).waitFor();
    const cards = page.getByTestId('product-card');
    await expect.poll(() => cards.count()).toBe(1);
    await shot(page, '02-search');

    await cards.first().getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: 'Cast Iron Skillet 26 cm' }).waitFor();
    await page.getByLabel('Quantity').selectOption('2');
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await expect.poll(() => page.getByTestId('cart-count').textContent()).toBe('2');
    await shot(page, '03-product');
    expect(await accessibilityProblems(page)).toEqual([]);

    await page.getByRole('link', { name: 'Cart 2 items' }).click();
    await page.getByRole('heading', { name: 'Your cart' }).waitFor();
    await page.reload();
    await expect.poll(() => page.getByTestId('cart-subtotal').textContent()).toBe('$84.00');
    await shot(page, '04-cart');
    expect(await accessibilityProblems(page)).toEqual([]);

    await page.getByRole('button', { name: 'Proceed to checkout' }).click();
    await page.getByRole('heading', { name: 'Checkout' }).waitFor();
    await fillNewAddressAndCard(page, '4242 4242 4242 4242');
    await shot(page, '05-checkout');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByRole('button', { name: /^Pay / }).click();

    await page.getByRole('heading', { name: 'Thank you for your order!' }).waitFor();
    await page.getByText('Cast Iron Skillet 26 cm').first().waitFor();
    expect(await page.getByTestId('cart-count').textContent()).toBe('0');
    await shot(page, '06-confirmation');

    await page.getByRole('link', { name: 'My orders' }).first().click();
    const rows = page.getByTestId('order-row');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('2 × Cast Iron Skillet 26 cm');
    expect(await rows.first().textContent()).toContain('$84.00');
    await shot(page, '07-my-orders');

    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('heading', { name: 'Addresses' }).waitFor();
    await shot(page, '08-account');
    expect(await accessibilityProblems(page)).toEqual([]);
    await context.close();
  });

  test('a declined card (4000 0000 0000 0002) shows "Your card was declined." and keeps the cart and everything typed', async () => {
    const { context, page } = await newShopper();
    await register(page, `declined-${unique()}@example.com`, 'correct-horse-battery-9');

    await page.goto('/?search=coffee');
    await page.getByRole('button', { name: 'Add to cart Pour-Over Coffee Set' }).click();
    await expect.poll(() => page.getByTestId('cart-count').textContent()).toBe('1');

    await page.goto('/checkout');
    await page.getByRole('heading', { name: 'Checkout' }).waitFor();
    await fillNewAddressAndCard(page, '4000 0000 0000 0002');
    await page.getByRole('button', { name: /^Pay / }).click();

    const alert = page.getByRole('alert').filter({ hasText: 'Your card was declined.' });
    await alert.waitFor();
    // Focus moves to the reason, so keyboard and screen-reader users hear it.
    await expect.poll(() => alert.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await page.getByLabel('Card number').inputValue()).toBe('4000 0000 0000 0002');
    expect(await page.getByLabel('Address line 1').inputValue()).toBe('12 Analytical Row');
    expect(await page.getByTestId('cart-count').textContent()).toBe('1');
    await shot(page, '09-checkout-declined');
    expect(await accessibilityProblems(page)).toEqual([]);

    // An invalid number is reported next to the field.
    await page.getByLabel('Card number').fill('4242 4242 4242 4241');
    await page.getByRole('button', { name: /^Pay / }).click();
    await page.getByText('Your card number is incorrect.').first().waitFor();
    expect(await page.getByLabel('Card number').getAttribute('aria-invalid')).toBe('true');

    await page.reload();
    await page.getByRole('heading', { name: 'Checkout' }).waitFor();
    expect(await page.getByTestId('cart-count').textContent()).toBe('1');
    await context.close();
  });

  test('staff create a product, see it in the catalog and mark an order delivered', async () => {
    const orderId = await placeOrderViaApi();
    const { context, page } = await newShopper();
    await signIn(page, STAFF.email, STAFF.password);

    await page.getByRole('link', { name: 'Manage products' }).click();
    await page.getByRole('link', { name: 'New product' }).click();
    const name = `Walnut Desk Tray ${unique()}`;
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('Description').fill('Oiled walnut tray for pens and keys.');
    await page.getByLabel('Price').fill('abc');
    await page.getByRole('button', { name: 'Create product' }).click();
    await page.getByText('Enter a price like 19.99.').waitFor();
    await page.getByLabel('Price').fill('29.50');
    await page.getByLabel('Stock').fill('7');
    await page.getByLabel('Category').selectOption('desk');
    await page.getByRole('button', { name: 'Create product' }).click();
    await page.getByRole('heading', { name: 'Manage products' }).waitFor();
    await page.getByRole('cell', { name, exact: true }).waitFor();
    await shot(page, '10-staff-products');

    await page.goto(`/?search=${encodeURIComponent(name)}`);
    await expect.poll(() => page.getByTestId('product-card').count()).toBe(1);

    await page.getByRole('link', { name: 'Manage orders' }).click();
    await page.getByRole('heading', { name: 'Manage orders' }).waitFor();
    const row = page
      .getByTestId('order-row')
      .filter({ has: page.getByRole('link', { name: `#${orderId}`, exact: true }) });
    await row.getByRole('button', { name: 'Mark delivered' }).click();
    await row.getByText('Delivered', { exact: true }).waitFor();
    expect(await row.getByRole('button', { name: 'Mark delivered' }).count()).toBe(0);
    await shot(page, '11-staff-orders');
    await context.close();
  });

  test('on a phone-sized screen the catalog stacks and the menu opens from a button', async () => {
    const { context, page } = await newShopper({ width: 390, height: 844 });
    await page.goto('/');
    await expect.poll(() => page.getByTestId('product-card').count()).toBeGreaterThan(3);
    const menu = page.getByRole('button', { name: 'Menu' });
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    await menu.click();
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    await page.getByRole('link', { name: 'Sign in' }).waitFor({ state: 'visible' });
    await page.screenshot({ path: join(SHOTS, '12-catalog-phone.png') });
    await context.close();
  });
});
