// Staff fraud review in a real browser against the real backend: with FRAUD_SCORING=hold and a
// model whose threshold is 0 (every charge is flagged), two checkouts are held; staff approve
// one and reject the other on the Fraud review page, and the backend shows what each did.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser } from './browser';
import { REPO_ROOT, STAFF, startStack, type Stack } from './stack';

// The model the backend's own tests score with (trained by the committed fraud-scan CLI).
const MODEL = join(REPO_ROOT, 'app/backend/fraud/tests/data/model.json');

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

/** A buyer's checkout of 2 × product 1, straight through the API; the model holds it. */
async function heldOrder(name: string): Promise<number> {
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
  return order.id as number;
}

async function stock(): Promise<number> {
  return (await api('/products/1/')).stock as number;
}

async function signInAsStaff(page: Page) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(STAFF.email);
  await page.getByLabel('Password').fill(STAFF.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

describe('fraud review against the real backend', () => {
  test('a held order is approved and another rejected (its stock put back) on the Fraud review page', async () => {
    const before = await stock();
    const approved = await heldOrder('Held Approvable');
    const rejected = await heldOrder('Held Rejectable');
    expect(await stock()).toBe(before - 4);

    const context = await browser!.newContext({
      baseURL: stack!.url,
      viewport: { width: 1280, height: 900 }
    });
    const page = await context.newPage();
    await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort());
    await signInAsStaff(page);
    await page.getByRole('link', { name: 'Fraud review' }).click();
    await page.getByRole('heading', { name: 'Fraud review' }).waitFor();
    await page.getByRole('img', { name: /Histogram of \d+ fraud scores/ }).waitFor();
    const totals = page.getByRole('region', { name: 'Totals' });
    await expect
      .poll(() => totals.getByText('Awaiting review').locator('xpath=..').textContent())
      .toContain('2');

    await page.getByRole('button', { name: `Approve order #${approved}` }).click();
    await page.getByRole('button', { name: `Reject order #${rejected}` }).click();
    await page.getByLabel('Reason (optional)').fill('card testing');
    await page.getByRole('button', { name: `Confirm reject of order #${rejected}` }).click();

    const row = (name: string) => page.getByTestId('flag-row').filter({ hasText: name });
    await expect.poll(() => row('Held Approvable').textContent()).toContain('Approved');
    await expect.poll(() => row('Held Rejectable').textContent()).toContain('Rejected');
    expect(await page.getByRole('button', { name: /Approve order/ }).count()).toBe(0);

    const staffToken = await token(STAFF.email, STAFF.password);
    const order = async (id: number) => (await api(`/orders/${id}/`, { token: staffToken })).status;
    expect(await order(approved)).toBe('paid');
    expect(await order(rejected)).toBe('cancelled');
    expect(await stock()).toBe(before - 2);
    await context.close();
  });
});
