// Staff fraud review in a real browser against the real backend: with FRAUD_SCORING=hold and a
// model whose threshold is 0 (every charge is flagged), two checkouts are held; the buyer sees
// why their order waits; staff approve one and reject the other on the Fraud review page (which
// passes axe-core at desktop and phone widths), and the backend and the buyer see what each did.
// Screenshots of the page go to artifacts/screenshots/ beside the shop's.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { accessibilityProblems } from './accessibility';
import { launchBrowser } from './browser';
import { REPO_ROOT, STAFF, startStack, type Stack } from './stack';

// The model the backend's own tests score with (trained by the committed fraud-scan CLI).
const MODEL = join(REPO_ROOT, 'app/backend/fraud/tests/data/model.json');
const SHOTS = process.env.SCREENSHOT_DIR ?? join(REPO_ROOT, 'artifacts/screenshots');
mkdirSync(SHOTS, { recursive: true });

let stack: Stack | undefined;
let browser: Browser | undefined;
let modelDir: string | undefined;

beforeAll(async () => {
  modelDir = mkdtempSync(join(tmpdir(), 'fraud-e2e-'));
  const model = join(modelDir, 'model.json');
  writeFileSync(
    model,
    JSON.stringify({ ...JSON.parse(readFileSync(MODEL, 'utf8')), threshold: 0 })
  );
  stack = await startStack({ backendEnv: { FRAUD_SCORING: 'hold', FRAUD_MODEL_PATH: model } });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  if (modelDir) rmSync(modelDir, { recursive: true, force: true });
});

type Json = Record<string, unknown>;

async function api(path: string, init: { method?: string; body?: unknown; token?: string } = {}) {
  const response = await fetch(`${stack!.url}/api${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      'content-type': 'application/json',
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {})
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) })
  });
  const json = (await response.json()) as Json;
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

async function token(email: string, password: string): Promise<string> {
  return (await api('/auth/token/', { body: { email, password } })).access as string;
}

type Credentials = { email: string; password: string };

/** A buyer's checkout of 2 × product 1, straight through the API; the model holds it. */
async function heldOrder(name: string): Promise<{ id: number; buyer: Credentials }> {
  const credentials = {
    email: `fraud-${Date.now()}-${Math.random().toString(36).slice(2, 7)}@example.com`,
    password: 'correct-horse-battery-9'
  };
  await api('/auth/register/', { body: credentials });
  const order = await api('/orders/', {
    token: await token(credentials.email, credentials.password),
    body: {
      items: [{ product_id: 1, quantity: 2 }],
      billing_address: {
        full_name: name,
        line1: '1 Navy Way',
        line2: '',
        city: 'Arlington',
        state: 'VA',
        postal_code: '22202',
        country: 'US'
      },
      payment: {
        card: { number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123', name }
      }
    }
  });
  expect(order.status).toBe('review');
  return { id: order.id as number, buyer: credentials };
}

async function stock(): Promise<number> {
  return (await api('/products/1/')).stock as number;
}

async function signIn(page: Page, { email, password }: Credentials) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

async function newPage(viewport = { width: 1280, height: 900 }): Promise<Page> {
  const context = await browser!.newContext({ baseURL: stack!.url, viewport });
  const page = await context.newPage();
  // Any request leaving loopback would be a bug (Stripe.js must not load on the offline gateway).
  await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort());
  return page;
}

/** The buyer's own order page, once its status notice has rendered; returns the notice's text. */
async function buyerNotice(page: Page, id: number): Promise<string> {
  await page.goto(`/orders/${id}`);
  const message = page.getByTestId('order-status-message');
  await message.waitFor();
  return (await message.locator('xpath=../..').textContent()) ?? '';
}

/** Nothing on the page is wider than the window (no sideways scrolling on a phone). */
function overflowsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
}

describe('fraud review against the real backend', () => {
  test('a held order is approved and another rejected (its stock put back) on the Fraud review page, and the buyer is told each step', async () => {
    const before = await stock();
    const approved = await heldOrder('Held Approvable');
    const rejected = await heldOrder('Held Rejectable');
    expect(await stock()).toBe(before - 4);

    // The buyer, signed in, sees why the order waits (the backend's status_message).
    const buyer = await newPage();
    await signIn(buyer, rejected.buyer);
    const held = await buyerNotice(buyer, rejected.id);
    expect(held).toContain('Your payment is being checked');
    expect(held).toContain('you do not need to do anything');
    expect(await buyer.getByText('Payment being checked').count()).toBe(1);
    expect(await accessibilityProblems(buyer)).toEqual([]);
    await buyer.screenshot({ path: join(SHOTS, '20-order-in-review.png'), fullPage: true });

    const page = await newPage();
    await signIn(page, STAFF);
    await page.getByRole('link', { name: 'Fraud review' }).click();
    await page.getByRole('heading', { name: 'Fraud review' }).waitFor();
    await page.getByRole('img', { name: /Histogram of \d+ fraud scores/ }).waitFor();
    const totals = page.getByRole('region', { name: 'Totals' });
    await expect
      .poll(() => totals.getByText('Awaiting review').locator('xpath=..').textContent())
      .toContain('2');
    await page.getByRole('button', { name: `Approve order #${approved.id}` }).waitFor();

    // The page with held rows, their buttons and the chart: axe-core finds nothing serious, and
    // nothing scrolls sideways, at desktop, just above the width where the flag table turns into
    // cards, at tablet and at phone widths.
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, '21-staff-fraud.png'), fullPage: true });
    for (const width of [1110, 820, 375]) {
      await page.setViewportSize({ width, height: 800 });
      expect(await accessibilityProblems(page)).toEqual([]);
      expect(await overflowsSideways(page)).toBe(false);
      await page.screenshot({ path: join(SHOTS, `22-staff-fraud-${width}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 900 });

    await page.getByRole('button', { name: `Approve order #${approved.id}` }).click();
    await page.getByRole('button', { name: `Reject order #${rejected.id}` }).click();
    await page.getByLabel('Reason (optional)').fill('card testing');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByRole('button', { name: `Confirm reject of order #${rejected.id}` }).click();

    const row = (name: string) => page.getByTestId('flag-row').filter({ hasText: name });
    await expect.poll(() => row('Held Approvable').textContent()).toContain('Approved');
    await expect.poll(() => row('Held Rejectable').textContent()).toContain('Rejected');
    expect(await page.getByRole('button', { name: /Approve order/ }).count()).toBe(0);

    const staffToken = await token(STAFF.email, STAFF.password);
    const order = async (id: number) => (await api(`/orders/${id}/`, { token: staffToken })).status;
    expect(await order(approved.id)).toBe('paid');
    expect(await order(rejected.id)).toBe('cancelled');
    expect(await stock()).toBe(before - 2);

    // The buyer of the rejected order is told it will not ship and (the offline gateway refunds)
    // that the charge has been refunded: the backend's words, which say so only when it was.
    const cancelled = await buyerNotice(buyer, rejected.id);
    expect(cancelled).toContain('This order was cancelled');
    expect(cancelled).toContain('The full amount has been refunded to the card you paid with');
    expect(await accessibilityProblems(buyer)).toEqual([]);

    await page.context().close();
    await buyer.context().close();
  });
});
