import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { NOT_FOUND_TEXT } from '../../src/api/portal/portal.routes.js';
import { clientAddress, formField, portalCustomer, portalEnv, portalGatewaysFile } from '../support/portal.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';

/**
 * The top-up portal over real HTTP, with the real payer lookup (identifiers and balance pushed
 * through the API), the real worker and the sandbox gateway: what is journaled, the rate limit
 * across two API processes, and what a portal payment records.
 */
describe('top-up portal (real API, worker and Postgres)', () => {
  let stack: TestStack;
  let second: TestStack;

  before(async () => {
    const file = portalGatewaysFile({ lookups: 3, window: 'PT1M' });
    stack = await startTestStack(portalEnv(file));
    // A second API process on the same database: the limit is counted there, not in either process.
    second = await startTestStack(portalEnv(file), { worker: false });
  });
  after(async () => {
    await second?.close();
    await stack?.close();
  });

  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  async function post(s: TestStack, path: string, ip: string, fields: Record<string, string>) {
    return s.request('POST', path, { key: null, raw: form(fields), headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip } });
  }
  async function lookup(s: TestStack, ip: string, account: string) {
    const page = await s.request('GET', '/pay', { key: null });
    assert.equal(page.status, 200, page.text);
    return post(s, '/pay', ip, { form: formField(page.text), account });
  }
  async function journal(ip: string) {
    const res = await stack.pool.query<{ source: string; outcome: string; outcome_detail: string; target_id: string | null; payment_id: string | null; body: string }>({
      text: `SELECT source, outcome, outcome_detail, target_id, payment_id, body FROM inbound_requests WHERE channel = 'portal' AND source_ip = $1 ORDER BY id`,
      values: [ip],
    });
    return res.rows;
  }
  const withoutForm = (html: string) => html.replace(/name="form" value="[^"]+"/g, 'name="form" value=""');

  it('journals a lookup with its address and whom it found; a miss reads the same whatever exists', async () => {
    const ip = clientAddress();
    const c = await portalCustomer(stack);
    const found = await lookup(stack, ip, c.contract);
    assert.equal(found.status, 200, found.text);
    assert.match(found.text, /Ja\* Ko\*{6}/);
    assert.doesNotMatch(found.text, /Kowalski/);
    assert.match(found.text, /<dt>Balance<\/dt><dd>-25\.50 PLN<\/dd>/);
    assert.match(found.text, /<dt>Recommended payment<\/dt><dd>25\.50 PLN<\/dd>/);
    assert.match(found.text, /<input id="sum" name="sum" type="text" value="25\.50"/);
    assert.match(found.text, /From 5\.00 PLN to 1000\.00 PLN\./);

    const other = await portalCustomer(stack);
    const misses = [await lookup(stack, ip, `C-none-${Date.now()}`), await lookup(second, ip, `nobody-${Date.now()}`)];
    for (const miss of misses) {
      assert.equal(miss.status, 404);
      assert.ok(miss.text.includes(NOT_FOUND_TEXT));
    }
    assert.equal(withoutForm(misses[0]!.text), withoutForm(misses[1]!.text), 'two misses answer the same page');
    const rows = await journal(ip);
    assert.deepEqual(rows.map((r) => [r.source, r.outcome, r.outcome_detail, r.target_id]), [
      ['lookup', 'identified', 'contract', c.id],
      ['lookup', 'not_identified', 'not_found', null],
      ['lookup', 'not_identified', 'not_found', null],
    ]);
    assert.match(rows[0]!.body, new RegExp(`account=${encodeURIComponent(c.contract)}`), 'the journal keeps what was typed');
    assert.ok(other.id);
  });

  it('over the limit the next lookup is 429 with Retry-After, counted across both API processes; another address is served', async () => {
    const ip = clientAddress();
    const c = await portalCustomer(stack);
    assert.equal((await lookup(stack, ip, c.contract)).status, 200);
    assert.equal((await lookup(second, ip, c.login)).status, 200);
    assert.equal((await lookup(stack, ip, 'nobody')).status, 404);
    const limited = await lookup(second, ip, c.contract);
    assert.equal(limited.status, 429, limited.text);
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.match(limited.text, /<h1>Too many attempts<\/h1>/);
    assert.doesNotMatch(limited.text, /Ja\*/, 'a refused lookup looks nobody up');
    assert.equal((await lookup(stack, ip, c.contract)).status, 429, 'still refused: refused lookups do not free the limit');
    assert.deepEqual((await journal(ip)).map((r) => r.outcome), ['identified', 'identified', 'not_identified', 'rejected_rate_limit', 'rejected_rate_limit']);
    assert.equal((await lookup(stack, clientAddress(), c.contract)).status, 200, 'another address has its own limit');
  });

  it('IPv6 addresses of one /64 share a limit (another /64 has its own); an IPv4-mapped address counts as its IPv4', async () => {
    const [a, b] = [randomInt(0, 0xffff).toString(16), randomInt(0, 0xfffe)];
    const [one, two] = [`2001:db8:${a}:${b.toString(16)}::1`, `2001:db8:${a}:${b.toString(16)}:ffff:1:2:3`];
    const c = await portalCustomer(stack);
    assert.equal((await lookup(stack, one, c.contract)).status, 200);
    assert.equal((await lookup(stack, two, c.contract)).status, 200);
    assert.equal((await lookup(second, one, 'nobody')).status, 404);
    assert.equal((await lookup(second, two, c.contract)).status, 429, 'a fresh address in the same /64 is no fresh limit');
    assert.equal((await lookup(stack, `2001:db8:${a}:${(b + 1).toString(16)}::1`, c.contract)).status, 200, 'the next /64 has its own limit');

    const v4 = clientAddress();
    for (let i = 0; i < 3; i++) assert.equal((await lookup(stack, `::ffff:${v4}`, c.contract)).status, 200);
    assert.equal((await lookup(stack, v4, c.contract)).status, 429);
  });

  it('a POST sent from another site is refused with 403 (journaled), whatever its sealed form; one from the portal\'s own origin is served', async () => {
    const ip = clientAddress();
    const c = await portalCustomer(stack);
    const page = await stack.request('GET', '/pay', { key: null });
    const send = (path: string, headers: Record<string, string>, fields: Record<string, string>) =>
      stack.request('POST', path, { key: null, raw: form(fields), headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip, ...headers } });
    const fields = { form: formField(page.text), account: c.contract };
    const evil = await send('/pay', { origin: 'https://evil.example' }, fields);
    assert.equal(evil.status, 403, evil.text);
    assert.match(evil.text, /<h1>Request refused<\/h1>/);
    assert.doesNotMatch(evil.text, /Ja\*/, 'nobody is looked up');
    assert.equal((await send('/pay', { 'sec-fetch-site': 'cross-site' }, fields)).status, 403);
    assert.deepEqual((await journal(ip)).map((r) => [r.outcome, r.outcome_detail]), [['rejected_source', 'cross-site: Origin https://evil.example'], ['rejected_source', 'cross-site: Sec-Fetch-Site cross-site']]);
    const own = await send('/pay', { origin: new URL(stack.config.publicBaseUrl).origin }, fields);
    assert.equal(own.status, 200, own.text);
    const payerForm = formField(own.text);
    assert.equal((await send('/pay/sum', { 'sec-fetch-site': 'cross-site' }, { form: payerForm, sum: '10.00' })).status, 403);
    assert.equal((await send('/pay/start', { origin: 'https://evil.example' }, { form: payerForm, sum: '10.00', gateway: 'sandbox' })).status, 403);
    assert.equal((await send('/pay/sum', { 'sec-fetch-site': 'same-origin' }, { form: payerForm, sum: '10.00' })).status, 200);
  });

  it('starts have a limit of their own per address: the fourth within the window is 429, and starts nothing', async () => {
    const ip = clientAddress();
    const c = await portalCustomer(stack);
    const found = await lookup(stack, ip, c.contract);
    for (let i = 0; i < 3; i += 1) assert.equal((await post(i % 2 ? second : stack, '/pay/start', ip, { form: formField(found.text), sum: '1.00', gateway: 'sandbox' })).status, 400);
    const limited = await post(stack, '/pay/start', ip, { form: formField(found.text), sum: '10.00', gateway: 'sandbox' });
    assert.equal(limited.status, 429, limited.text);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    const payments = await stack.pool.query({ text: 'SELECT 1 FROM payments WHERE customer_id = $1', values: [c.id] });
    assert.equal(payments.rowCount, 0);
    assert.deepEqual((await journal(ip)).map((r) => [r.source, r.outcome]), [
      ['lookup', 'identified'], ['start', 'rejected_malformed'], ['start', 'rejected_malformed'], ['start', 'rejected_malformed'], ['start', 'rejected_rate_limit'],
    ]);
  });

  it('a sum out of bounds is the form again with the error tied to the field, and starts nothing', async () => {
    const ip = clientAddress();
    const c = await portalCustomer(stack);
    const found = await lookup(stack, ip, c.contract);
    for (const [sum, message] of [['4.99', 'The sum must be at least 5.00 PLN'], ['1000.01', 'The sum must be at most 1000.00 PLN'], ['abc', 'Enter the sum as a number']] as const) {
      const res = await post(stack, '/pay/sum', ip, { form: formField(found.text), sum });
      assert.equal(res.status, 400, res.text);
      assert.match(res.text, /<div class="error-summary" role="alert"/);
      assert.match(res.text, new RegExp(`<p id="sum-error" class="error"><span class="visually-hidden">Error: </span>${message}`));
      assert.match(res.text, /aria-describedby="sum-hint sum-error" aria-invalid="true"/);
      // The confirm step cannot be skipped with a sum out of bounds either.
      const start = await post(stack, '/pay/start', ip, { form: formField(found.text), sum, gateway: 'sandbox' });
      assert.equal(start.status, 400);
    }
    const payments = await stack.pool.query({ text: 'SELECT 1 FROM payments WHERE customer_id = $1', values: [c.id] });
    assert.equal(payments.rowCount, 0);
    const changed = found.text.replace(/name="form" value="([^"]+)"/, (_, v: string) => `name="form" value="${v.slice(0, -4)}AAAA"`);
    assert.equal((await post(stack, '/pay/sum', ip, { form: formField(changed), sum: '10' })).status, 400, 'a changed form is refused');
  });

  /** Lookup and sum: the confirm page (its first sealed form is the first Pay button's). */
  async function confirmPage(ip: string, account: string, sum: string) {
    const found = await lookup(stack, ip, account);
    assert.equal(found.status, 200, found.text);
    const confirm = await post(stack, '/pay/sum', ip, { form: formField(found.text), sum });
    assert.equal(confirm.status, 200, confirm.text);
    return confirm;
  }
  async function paymentsOf(customerId: string) {
    const res = await stack.pool.query<{ id: string; amount_minor: bigint; status: string }>({
      text: 'SELECT id, amount_minor, status FROM payments WHERE customer_id = $1 ORDER BY created_at, id',
      values: [customerId],
    });
    return res.rows;
  }
  async function createdEventsOf(customerId: string) {
    const res = await stack.pool.query({ text: `SELECT 1 FROM events WHERE type = 'payment.created' AND payload->>'customer_id' = $1`, values: [customerId] });
    return res.rowCount;
  }
  const checkoutOf = (paymentId: string) => `${stack.config.publicBaseUrl}/sandbox/checkout/${paymentId}`;

  it('the same confirm form sent again (reload, Back and Pay) is the same payment: its checkout again, journaled as a repeat that uses up no start', async () => {
    const ip = clientAddress();
    const c = await portalCustomer(stack);
    const confirm = await confirmPage(ip, c.contract, '10.00');
    const fields = { form: formField(confirm.text), sum: '10.00', gateway: 'sandbox' };
    // Four sends, on both API processes, against a limit of three starts: repeats are not counted.
    const answers = [];
    for (let i = 0; i < 4; i += 1) answers.push(await post(i % 2 ? second : stack, '/pay/start', ip, fields));
    assert.deepEqual(answers.map((a) => a.status), [303, 303, 303, 303], answers.map((a) => a.text).join('\n'));
    const payments = await paymentsOf(c.id);
    assert.equal(payments.length, 1, 'one payment for the customer');
    const paymentId = payments[0]!.id;
    assert.deepEqual(answers.map((a) => a.headers.get('location')), Array(4).fill(checkoutOf(paymentId)), 'every answer leads to the same checkout');
    assert.equal(await createdEventsOf(c.id), 1);
    assert.deepEqual((await journal(ip)).map((r) => [r.source, r.outcome, r.payment_id]), [
      ['lookup', 'identified', null],
      ['start', 'started', paymentId],
      ['start', 'duplicate', paymentId],
      ['start', 'duplicate', paymentId],
      ['start', 'duplicate', paymentId],
    ]);

    // Another Pay button of the same page is the payer choosing another way to pay: its own payment, once.
    const plain = [await post(stack, '/pay/start', ip, { ...fields, gateway: 'card_plain' }), await post(second, '/pay/start', ip, { ...fields, gateway: 'card_plain' })];
    assert.deepEqual(plain.map((a) => a.status), [303, 303]);
    const both = await paymentsOf(c.id);
    assert.equal(both.length, 2);
    const plainPayment = both.find((p) => p.id !== paymentId)!;
    assert.equal(plainPayment.amount_minor, 1000n, 'no commission on card_plain');
    assert.deepEqual(plain.map((a) => a.headers.get('location')), [checkoutOf(plainPayment.id), checkoutOf(plainPayment.id)]);
  });

  it('the same confirm form sent three times at once (a double-click), to two API processes, is one payment and one answer', async () => {
    const ip = clientAddress();
    const c = await portalCustomer(stack);
    const confirm = await confirmPage(ip, c.login, '12.34');
    const fields = { form: formField(confirm.text), sum: '12.34', gateway: 'sandbox' };
    const answers = await Promise.all([post(stack, '/pay/start', ip, fields), post(second, '/pay/start', ip, fields), post(stack, '/pay/start', ip, fields)]);
    assert.deepEqual(answers.map((a) => a.status), [303, 303, 303], answers.map((a) => a.text).join('\n'));
    const payments = await paymentsOf(c.id);
    assert.equal(payments.length, 1, 'one payment for the customer');
    // Whichever process won the start made the checkout, under its own base URL; every answer leads there.
    const won = [stack, second].map((s) => `${s.config.publicBaseUrl}/sandbox/checkout/${payments[0]!.id}`);
    const locations = answers.map((a) => a.headers.get('location'));
    assert.ok(won.includes(locations[0] ?? ''), `${locations[0]} is the payment's checkout`);
    assert.deepEqual(locations, Array(3).fill(locations[0]));
    assert.equal(await createdEventsOf(c.id), 1, 'one payment.created: a repeat starts no workflow');
    const starts = (await journal(ip)).filter((r) => r.source === 'start');
    assert.deepEqual(starts.map((r) => r.outcome).sort(), ['duplicate', 'duplicate', 'started']);
    assert.ok(starts.every((r) => r.payment_id === payments[0]!.id));
  });

  it('after a declined card the old confirm form still answers that payment (Payment failed), and Try again makes a new one', async () => {
    const ip = clientAddress();
    const c = await portalCustomer(stack);
    const confirm = await confirmPage(ip, c.contract, '10.00');
    const fields = { form: formField(confirm.text), sum: '10.00', gateway: 'sandbox' };
    const first = await post(stack, '/pay/start', ip, fields);
    assert.equal(first.status, 303, first.text);
    const [declined] = await paymentsOf(c.id);
    assert.equal(first.headers.get('location'), checkoutOf(declined!.id));
    assert.equal((await stack.request('POST', `/sandbox/checkout/${declined!.id}/decline`, { key: null })).status, 303);
    await waitFor('the payment to fail', async () => ((await paymentsOf(c.id))[0]?.status === 'failed' ? true : undefined));

    const back = await post(second, '/pay/start', ip, fields);
    assert.equal(back.status, 303, back.text);
    assert.equal(back.headers.get('location'), `${stack.config.publicBaseUrl}/pay/result/${declined!.id}`, 'a finished payment answers its result page');
    const result = await stack.request('GET', `/pay/result/${declined!.id}`, { key: null });
    assert.match(result.text, /<h1>Payment failed<\/h1>/);
    assert.match(result.text, /<a href="\/pay">Try again<\/a>/);
    assert.equal((await paymentsOf(c.id)).length, 1);

    // Try again: /pay, the identifier, the sum, a new confirm page with a new nonce, a new payment.
    const again = await confirmPage(ip, c.contract, '10.00');
    assert.notEqual(formField(again.text), fields.form);
    const retry = await post(stack, '/pay/start', ip, { form: formField(again.text), sum: '10.00', gateway: 'sandbox' });
    assert.equal(retry.status, 303, retry.text);
    const payments = await paymentsOf(c.id);
    assert.equal(payments.length, 2, 'Try again is a second payment');
    assert.deepEqual(payments.map((p) => p.status), ['failed', 'pending']);
    assert.equal(retry.headers.get('location'), checkoutOf(payments[1]!.id));
  });

  it('a portal payment charges sum + commission, credits the sum, and says both on the payment and in its events', async () => {
    const ip = clientAddress();
    const c = await portalCustomer(stack);
    const found = await lookup(stack, ip, c.login);
    const confirm = await post(stack, '/pay/sum', ip, { form: formField(found.text), sum: '10.00' });
    assert.equal(confirm.status, 200, confirm.text);
    // 0.30 + 2.5 % of 10.00 = 0.55: its own line, then the total; the plain card has no commission line.
    assert.match(confirm.text, /<h2 id="offer-0">Card \(sandbox\)<\/h2>[\s\S]*?<th scope="row">Top-up sum<\/th><td>10\.00 PLN<\/td>[\s\S]*?<th scope="row">Commission<\/th><td>0\.55 PLN<\/td>[\s\S]*?<th scope="row">Total<\/th><td>10\.55 PLN<\/td>/);
    assert.match(confirm.text, /<h2 id="offer-1">Card, no fee \(sandbox\)<\/h2>\s*<table>\s*<tr><th scope="row">Account<\/th><td>[^<]+<\/td><\/tr>\s*<tr><th scope="row">Top-up sum<\/th><td>10\.00 PLN<\/td><\/tr>\s*<tr><th scope="row">Total<\/th><td>10\.00 PLN<\/td>/);
    assert.match(confirm.text, />Pay 10\.55 PLN — Card \(sandbox\)</);

    const start = await post(stack, '/pay/start', ip, { form: formField(confirm.text), sum: '10.00', gateway: 'sandbox' });
    assert.equal(start.status, 303, start.text);
    const checkout = new URL(start.headers.get('location')!);
    const paymentId = checkout.pathname.split('/').pop()!;
    assert.equal(checkout.pathname, `/sandbox/checkout/${paymentId}`);
    const approve = await stack.request('POST', `/sandbox/checkout/${paymentId}/approve`, { key: null });
    assert.equal(approve.status, 303);
    assert.equal(approve.headers.get('location'), `${stack.config.publicBaseUrl}/pay/result/${paymentId}`);

    const payment = await waitFor('the payment to succeed', async () => {
      const res = await stack.request('GET', `/v1/payments/${paymentId}`);
      return res.json?.status === 'succeeded' ? res.json : undefined;
    });
    assert.equal(payment.amount, 1055);
    assert.equal(payment.credited_amount, 1000);
    assert.equal(payment.commission, 55);
    assert.equal(payment.customer_id, c.id);
    const row = await stack.pool.query<{ commission_minor: string; credited_minor: string }>({ text: 'SELECT commission_minor::text, (amount_minor - commission_minor)::text AS credited_minor FROM payments WHERE id = $1', values: [paymentId] });
    assert.deepEqual(row.rows[0], { commission_minor: '55', credited_minor: '1000' });

    const events = await stack.request('GET', `/v1/events?after=0&aggregate_id=${paymentId}`);
    assert.equal(events.status, 200, events.text);
    const byType = Object.fromEntries((events.json.data as Array<{ type: string; payload: Record<string, unknown> }>).map((e) => [e.type, e.payload]));
    for (const type of ['payment.created', 'payment.succeeded']) {
      assert.equal(byType[type]?.amount, 1055, type);
      assert.equal(byType[type]?.credited_amount, 1000, type);
      assert.equal(byType[type]?.commission, 55, type);
    }
    const rows = await journal(ip);
    assert.deepEqual(rows.map((r) => [r.source, r.outcome, r.payment_id]), [['lookup', 'identified', null], ['start', 'started', paymentId]]);

    const result = await stack.request('GET', `/pay/result/${paymentId}`, { key: null });
    assert.equal(result.status, 200);
    assert.match(result.text, /<h1>Payment successful<\/h1>/);
  });

  describe('with a lookup hook (LOOKUP_HOOK_URL)', () => {
    // An API process of its own configured with the hook, on the same database; the billing system is the test's.
    const answers = new Map<string, (res: ServerResponse) => void>();
    const hook = createServer((req, res) => {
      let raw = '';
      req.on('data', (d: Buffer) => (raw += d.toString('utf8')));
      req.on('end', () => {
        const { identifier } = (JSON.parse(raw) as { data: { identifier: string } }).data;
        (answers.get(identifier) ?? ((r) => r.writeHead(200, { 'content-type': 'application/json' }).end('{"found": false}')))(res);
      });
    });
    let hooked: TestStack;
    before(async () => {
      await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
      hooked = await startTestStack(
        { ...portalEnv(portalGatewaysFile()), LOOKUP_HOOK_URL: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/lookup`, LOOKUP_HOOK_TIMEOUT_MS: '1000', OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' },
        { worker: false },
      );
    });
    after(async () => {
      await hooked?.close();
      hook.close();
    });

    it('finds a payer only the billing system knows (journaled as found by the hook); a hook down is "try again later"', async () => {
      const ip = clientAddress();
      const created = await stack.request('POST', '/v1/customers', { body: { external_ref: `ext-${randomUUID()}`, name: 'Jan Kowalski' } });
      assert.equal(created.status, 201, created.text);
      const contract = `C-${randomUUID().slice(0, 8)}`;
      answers.set(contract, (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ customer: created.json.external_ref, balance: '-12.00', currency: 'PLN' })));
      const found = await lookup(hooked, ip, contract);
      assert.equal(found.status, 200, found.text);
      assert.match(found.text, /Ja\* Ko\*{6}/);
      assert.match(found.text, /<dt>Balance<\/dt><dd>-12\.00 PLN<\/dd>/);
      const down = `C-${randomUUID().slice(0, 8)}`;
      answers.set(down, (res) => res.writeHead(500).end());
      const later = await lookup(hooked, ip, down);
      assert.equal(later.status, 503, later.text);
      assert.match(later.text, /Try again later/);
      assert.deepEqual((await journal(ip)).map((r) => [r.outcome, r.outcome_detail, r.target_id]), [
        ['identified', 'lookup hook, as contract', created.json.id],
        ['not_identified', 'unavailable', null],
      ]);
    });
  });
});
