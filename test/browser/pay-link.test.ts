import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, onServer } from '../support/browser.js';
import { createCustomer } from '../support/fixtures.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/**
 * A payment link paid in headless Chromium, as a payer would: the pay page, Pay now with the card,
 * Approve or Decline on the sandbox checkout, and the result page. Same flow as
 * test/integration/payment-links.test.ts, but through a real browser (forms, 303s, meta refresh).
 */
const TIMEOUT_MS = 20_000;
const GATEWAY_BUTTONS = ['Pay now — Card (sandbox)', 'Pay now — Online transfer (sandbox, settles from the bank statement)', 'Pay now — Bank transfer'];

describe('payment link in a browser (headless Chromium, real API and worker)', () => {
  let browser: Browser | undefined;
  let stack: TestStack | undefined;
  let shots: string;

  before(async () => {
    browser = await launchChromium(); // first: a missing Chromium fails fast, before any server starts
    stack = await startTestStack();
    shots = mkdtempSync(join(tmpdir(), 'tollgate-browser-'));
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  async function link(customerId: string): Promise<{ id: string; token: string; url: string }> {
    const res = await stack!.request('POST', '/v1/payment-links', {
      body: { customer_id: customerId, amount: 12_345, currency: 'PLN', description: 'Internet, December', customer: { name: 'Jan Kowalski' } },
    });
    assert.equal(res.status, 201, res.text);
    return res.json as { id: string; token: string; url: string };
  }

  async function newPage(t: TestContext): Promise<Page> {
    const context = await browser!.newContext();
    context.setDefaultTimeout(TIMEOUT_MS);
    context.setDefaultNavigationTimeout(TIMEOUT_MS);
    t.after(() => context.close());
    return context.newPage();
  }

  /** Opens the pay page and checks what the payer sees before choosing a payment method. */
  async function openPayPage(page: Page, token: string): Promise<void> {
    const res = await page.goto(`${stack!.baseUrl}/pay/${token}`);
    assert.equal(res?.status(), 200);
    await page.getByRole('heading', { name: 'Payment', exact: true }).waitFor();
    await page.getByText('123.45 PLN', { exact: true }).waitFor();
    await page.getByText(/For Ja\* Ko\*{6}\./).waitFor();
    assert.doesNotMatch(await page.content(), /Kowalski/);
    const buttons = page.getByRole('button', { name: /^Pay now with / });
    assert.deepEqual(await buttons.allInnerTexts(), GATEWAY_BUTTONS);
  }

  /** Pay now with the card; returns the payment id from the sandbox checkout's address. */
  async function payWithCard(page: Page): Promise<string> {
    await page.getByRole('button', { name: /Pay now with Card/ }).click();
    await page.waitForURL((u) => /^\/sandbox\/checkout\/pay_[^/]+$/.test(u.pathname));
    const checkout = new URL(page.url());
    assert.ok(onServer(checkout, stack!.baseUrl), `the checkout redirect left the test server: ${checkout.href}`);
    assert.equal(checkout.origin, new URL(stack!.config.publicBaseUrl).origin, 'gateways redirect to PUBLIC_BASE_URL');
    await page.getByRole('heading', { name: 'Sandbox checkout' }).waitFor();
    await page.getByText('123.45 PLN', { exact: true }).waitFor();
    return checkout.pathname.split('/').pop()!;
  }

  async function landOnResult(page: Page, token: string, paymentId: string, heading: string): Promise<void> {
    await page.waitForURL((u) => u.pathname === `/pay/${token}/result/${paymentId}`);
    assert.ok(onServer(new URL(page.url()), stack!.baseUrl), `the result redirect left the test server: ${page.url()}`);
    // Pending result pages refresh themselves every 2 s; the locator keeps looking across reloads.
    await page.getByRole('heading', { name: heading }).waitFor();
  }

  async function paymentStatus(paymentId: string): Promise<string> {
    const res = await stack!.request('GET', `/v1/payments/${paymentId}`);
    assert.equal(res.status, 200, res.text);
    return res.json.status as string;
  }

  it('pays with the card: pay page, Approve on the sandbox checkout, Payment successful', { timeout: 60_000 }, async (t) => {
    const customer = await createCustomer(stack!);
    const l = await link(customer.id);
    assert.equal(l.url, `${stack!.config.publicBaseUrl}/pay/${l.token}`);
    const page = await newPage(t);

    await openPayPage(page, l.token);
    const paymentId = await payWithCard(page);
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    await landOnResult(page, l.token, paymentId, 'Payment successful');
    await page.getByText('123.45 PLN', { exact: true }).waitFor();

    const shot = join(shots, 'pay-link-success.png');
    await page.screenshot({ path: shot, fullPage: true });
    t.diagnostic(`screenshot of the success page: ${shot}`);
    assert.equal(await paymentStatus(paymentId), 'succeeded');

    const again = await page.goto(`${stack!.baseUrl}/pay/${l.token}`);
    assert.equal(again?.status(), 410, 'a paid link does not take a second payment');
    await page.getByRole('heading', { name: 'Already paid' }).waitFor();
  });

  it('a declined card shows Payment failed, and Try again leads back to the pay page', { timeout: 60_000 }, async (t) => {
    const customer = await createCustomer(stack!);
    const l = await link(customer.id);
    const page = await newPage(t);

    await openPayPage(page, l.token);
    const paymentId = await payWithCard(page);
    await page.getByRole('button', { name: 'Decline', exact: true }).click();
    await landOnResult(page, l.token, paymentId, 'Payment failed');
    await page.getByRole('alert').getByText('No money was taken').waitFor();
    assert.equal(await paymentStatus(paymentId), 'failed');

    await page.getByRole('link', { name: 'Try again' }).click();
    await page.waitForURL((u) => u.pathname === `/pay/${l.token}`);
    await page.getByRole('heading', { name: 'Payment', exact: true }).waitFor();
    assert.deepEqual(await page.getByRole('button', { name: /^Pay now with / }).allInnerTexts(), GATEWAY_BUTTONS);
  });
});
