import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, onServer } from '../support/browser.js';
import { createCustomer } from '../support/fixtures.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/**
 * A payer starts paying a link, the billing system cancels that payment through the API, and the
 * payer pays the link again — in headless Chromium, against the real API and worker. The outcome
 * is read from Postgres.
 */
const TIMEOUT_MS = 20_000;

describe('a canceled payment of a payment link, then paid again (headless Chromium)', () => {
  let browser: Browser | undefined;
  let stack: TestStack | undefined;

  before(async () => {
    browser = await launchChromium(); // first: a missing Chromium fails fast, before any server starts
    stack = await startTestStack();
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('pay page, card checkout, cancel by API, the pay page again, Approve: the second payment pays the link', { timeout: 90_000 }, async (t) => {
    const s = stack!;
    const customer = await createCustomer(s);
    const link = await s.request('POST', '/v1/payment-links', {
      body: { customer_id: customer.id, amount: 12_345, currency: 'PLN', description: 'Internet, December', customer: { name: 'Jan Kowalski' } },
    });
    assert.equal(link.status, 201, link.text);
    const context = await browser!.newContext();
    context.setDefaultTimeout(TIMEOUT_MS);
    context.setDefaultNavigationTimeout(TIMEOUT_MS);
    t.after(() => context.close());
    const page = await context.newPage();
    const payUrl = `${s.baseUrl}/pay/${link.json.token as string}`;

    const payWithCard = async (): Promise<string> => {
      await page.getByRole('button', { name: /Pay now with Card/ }).click();
      await page.waitForURL((u) => /^\/sandbox\/checkout\/pay_[^/]+$/.test(u.pathname));
      assert.ok(onServer(new URL(page.url()), s.baseUrl), `the checkout redirect left the test server: ${page.url()}`);
      await page.getByRole('heading', { name: 'Sandbox checkout' }).waitFor();
      return new URL(page.url()).pathname.split('/').pop()!;
    };

    assert.equal((await page.goto(payUrl))?.status(), 200);
    await page.getByRole('heading', { name: 'Payment', exact: true }).waitFor();
    const first = await payWithCard();

    // Back on the link while the payment is pending: it is in progress, not payable twice.
    await page.goto(payUrl);
    await page.getByRole('heading', { name: 'Payment in progress' }).waitFor();

    const canceled = await s.request('POST', `/v1/payments/${first}/cancel`, { body: { reason: 'the payer asked for a new link' } });
    assert.equal(canceled.status, 200, canceled.text);
    assert.equal(canceled.json.status, 'canceled');

    // The old checkout no longer takes a verdict; the link shows its pay page again.
    await page.goto(`${s.baseUrl}/sandbox/checkout/${first}`);
    assert.equal(await page.getByRole('button', { name: 'Approve', exact: true }).count(), 0, 'the canceled checkout offers no Approve');
    assert.equal((await page.goto(payUrl))?.status(), 200);
    await page.getByRole('heading', { name: 'Payment', exact: true }).waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Payment in progress' }).count(), 0);

    const second = await payWithCard();
    assert.notEqual(second, first, 'a new payment was started');
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    await page.waitForURL((u) => u.pathname === `/pay/${link.json.token as string}/result/${second}`);
    await page.getByRole('heading', { name: 'Payment successful' }).waitFor();

    const payments = await s.pool.query<{ id: string; status: string }>('SELECT id, status FROM payments WHERE payment_link_id = $1 ORDER BY created_at', [link.json.id]);
    assert.deepEqual(payments.rows, [
      { id: first, status: 'canceled' },
      { id: second, status: 'succeeded' },
    ]);
    const paidBy = await s.pool.query<{ paid_payment_id: string | null }>('SELECT paid_payment_id FROM payment_links WHERE id = $1', [link.json.id]);
    assert.equal(paidBy.rows[0]?.paid_payment_id, second);
    const events = await s.pool.query<{ aggregate_id: string; type: string }>(
      "SELECT aggregate_id, type FROM events WHERE aggregate_id = ANY($1) AND type IN ('payment.canceled', 'payment.succeeded', 'payment.late_success') ORDER BY id",
      [[first, second]],
    );
    assert.deepEqual(events.rows.map((e) => [e.aggregate_id, e.type]), [
      [first, 'payment.canceled'],
      [second, 'payment.succeeded'],
    ]);
    assert.equal((await page.goto(payUrl))?.status(), 410, 'the paid link takes no third payment');
  });
});
