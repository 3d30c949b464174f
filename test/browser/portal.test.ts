import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, onServer } from '../support/browser.js';
import { clientAddress, portalCustomer, portalEnv, portalGatewaysFile } from '../support/portal.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/**
 * The top-up portal in headless Chromium with JavaScript off, as a payer without a link or a
 * login: identifier → masked name, balance and sum → commission and total per gateway → the
 * sandbox's hosted page → the result page. The lookup is the real one (identifiers and balance
 * pushed through the API).
 */
const TIMEOUT_MS = 20_000;

describe('top-up portal in a browser (headless Chromium, no JavaScript, real API and worker)', () => {
  let browser: Browser | undefined;
  let stack: TestStack | undefined;
  let shots: string;

  before(async () => {
    browser = await launchChromium();
    stack = await startTestStack(portalEnv(portalGatewaysFile()));
    shots = mkdtempSync(join(tmpdir(), 'tollgate-portal-'));
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  async function newPage(t: TestContext): Promise<Page> {
    // Its own client address (the stack trusts 127.0.0.1 as a proxy), so no other test shares its rate limit.
    const context = await browser!.newContext({ javaScriptEnabled: false, extraHTTPHeaders: { 'x-forwarded-for': clientAddress() } });
    context.setDefaultTimeout(TIMEOUT_MS);
    context.setDefaultNavigationTimeout(TIMEOUT_MS);
    t.after(() => context.close());
    return context.newPage();
  }

  async function identify(page: Page, account: string): Promise<void> {
    const res = await page.goto(`${stack!.baseUrl}/pay`);
    assert.equal(res?.status(), 200);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await page.getByRole('heading', { name: 'Top up your account' }).waitFor();
    await page.getByLabel('Your contract number or login').fill(account);
    await page.getByRole('button', { name: 'Next' }).click();
  }

  async function chooseSum(page: Page, sum: string): Promise<void> {
    await page.getByLabel('Sum to top up (PLN)').fill(sum);
    await page.getByRole('button', { name: 'Next' }).click();
  }

  async function status(paymentId: string): Promise<string> {
    const res = await stack!.request('GET', `/v1/payments/${paymentId}`);
    assert.equal(res.status, 200, res.text);
    return res.json.status as string;
  }

  /** From the identifier to the sandbox's checkout for 10.55 PLN (10.00 + 0.30 + 2.5 %); returns the payment id. */
  async function toCheckout(page: Page, t: TestContext, name: string): Promise<string> {
    const c = await portalCustomer(stack!, '-7.25');
    await identify(page, c.contract);
    await page.getByText('Ja* Ko******', { exact: true }).waitFor();
    assert.doesNotMatch(await page.content(), /Kowalski/);
    await page.getByText('-7.25 PLN', { exact: true }).waitFor();
    const sum = page.getByLabel('Sum to top up (PLN)');
    assert.equal(await sum.inputValue(), '7.25', 'the recommended sum is prefilled');
    assert.equal(await sum.getAttribute('aria-describedby'), 'sum-hint');
    await page.locator('#sum-hint').getByText('From 5.00 PLN to 1000.00 PLN.').waitFor();
    await chooseSum(page, '10.00');

    await page.getByRole('heading', { name: 'Confirm the top-up' }).waitFor();
    const card = page.getByRole('region', { name: 'Card (sandbox)', exact: true });
    assert.deepEqual(await card.getByRole('row').allInnerTexts(), ['Account\tJa* Ko******', 'Top-up sum\t10.00 PLN', 'Commission\t0.55 PLN', 'Total\t10.55 PLN']);
    const plain = page.getByRole('region', { name: 'Card, no fee (sandbox)' });
    assert.deepEqual(await plain.getByRole('row').allInnerTexts(), ['Account\tJa* Ko******', 'Top-up sum\t10.00 PLN', 'Total\t10.00 PLN']);
    await page.screenshot({ path: join(shots, `${name}-confirm.png`), fullPage: true });
    t.diagnostic(`confirm page: ${join(shots, `${name}-confirm.png`)}`);

    await card.getByRole('button', { name: 'Pay 10.55 PLN — Card (sandbox)' }).click();
    await page.waitForURL((u) => /^\/sandbox\/checkout\/pay_[^/]+$/.test(u.pathname));
    assert.ok(onServer(new URL(page.url()), stack!.baseUrl));
    await page.getByRole('heading', { name: 'Sandbox checkout' }).waitFor();
    await page.getByText('10.55 PLN', { exact: true }).waitFor();
    return new URL(page.url()).pathname.split('/').pop()!;
  }

  it('tops up through the sandbox hosted page: identifier, sum, commission and total, Approve, Payment successful', { timeout: 60_000 }, async (t) => {
    const page = await newPage(t);
    const paymentId = await toCheckout(page, t, 'success');
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    await page.waitForURL((u) => u.pathname === `/pay/result/${paymentId}`);
    await page.getByRole('heading', { name: 'Payment successful' }).waitFor();
    assert.equal(await status(paymentId), 'succeeded');
  });

  it('a declined card shows Payment failed, and Try again leads back to the identifier form', { timeout: 60_000 }, async (t) => {
    const page = await newPage(t);
    const paymentId = await toCheckout(page, t, 'decline');
    await page.getByRole('button', { name: 'Decline', exact: true }).click();
    await page.waitForURL((u) => u.pathname === `/pay/result/${paymentId}`);
    await page.getByRole('heading', { name: 'Payment failed' }).waitFor();
    await page.getByText('No money was taken').waitFor();
    assert.equal(await status(paymentId), 'failed');
    await page.getByRole('link', { name: 'Try again' }).click();
    await page.waitForURL((u) => u.pathname === '/pay');
    await page.getByLabel('Your contract number or login').waitFor();
  });

  it('a wrong identifier is the form again, its error in a focused summary and next to the field', { timeout: 60_000 }, async (t) => {
    const page = await newPage(t);
    await identify(page, 'C-does-not-exist');
    const summary = page.getByRole('alert');
    await summary.getByRole('heading', { name: 'There is a problem' }).waitFor();
    assert.equal(await page.locator('.error-summary:focus').count(), 1, 'the summary has the focus first');
    await page.locator('#account-error').getByText('We could not find an account for what you entered.').waitFor();
    const field = page.getByLabel('Your contract number or login');
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
    assert.equal(await field.getAttribute('aria-describedby'), 'account-hint account-error');
    await summary.getByRole('link').click(); // the summary's entry leads to the field
    await page.locator('#account:focus').waitFor();
    assert.equal(await page.title(), 'Error: Top up your account');
  });

  it('a sum out of bounds is the form again with the error next to the field, and nothing is started', { timeout: 60_000 }, async (t) => {
    const page = await newPage(t);
    const c = await portalCustomer(stack!);
    await identify(page, c.login);
    await chooseSum(page, '1000.01');
    await page.locator('#sum-error').getByText('The sum must be at most 1000.00 PLN').waitFor();
    await page.getByRole('alert').getByRole('link', { name: 'The sum must be at most 1000.00 PLN' }).waitFor();
    const sum = page.getByLabel('Sum to top up (PLN)');
    assert.equal(await sum.getAttribute('aria-describedby'), 'sum-hint sum-error');
    assert.equal(await sum.inputValue(), '1000.01', 'what the payer typed is kept');
    await page.screenshot({ path: join(shots, 'sum-error.png'), fullPage: true });
    const payments = await stack!.pool.query({ text: 'SELECT 1 FROM payments WHERE customer_id = $1', values: [c.id] });
    assert.equal(payments.rowCount, 0);
    await chooseSum(page, '5');
    await page.getByRole('heading', { name: 'Confirm the top-up' }).waitFor();
  });
});
