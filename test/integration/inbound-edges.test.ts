import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { webhookHeaders } from '../../src/gateways/standard-webhooks.js';
import { createCustomer, createPayment } from '../support/fixtures.js';
import { gatewayEnv, sandboxEntry, TEST_SECRET, writeGatewaysFile } from '../support/gateways-file.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/**
 * What a stranger can send: a huge form to /pay, callbacks for made-up gateways, a scrape of
 * /metrics, a forged X-Forwarded-For; and what every HTML page and /docs carry. Each case failed
 * before issue 9.
 */
describe('inbound edges over HTTP', () => {
  const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({
      TOLLGATE_GATEWAYS_FILE: writeGatewaysFile([sandboxEntry(), sandboxEntry({ name: 'guarded', callback_allowlist: ['198.51.100.7/32'] })]),
      ...gatewayEnv,
      METRICS_TOKEN,
      TRUSTED_PROXIES: '127.0.0.1',
    });
  });
  after(async () => {
    await stack?.close();
  });

  async function paymentLink(): Promise<{ token: string }> {
    const customer = await createCustomer(stack);
    const res = await stack.request('POST', '/v1/payment-links', { body: { customer_id: customer.id, amount: 1000, currency: 'PLN', description: 'Internet' } });
    assert.equal(res.status, 201, res.text);
    return res.json as { token: string };
  }

  it('limits the body of a form post to /pay/:token like every other route (413)', async () => {
    const link = await paymentLink();
    const form = `gateway=sandbox&pad=${'x'.repeat(stack.config.MAX_BODY_BYTES + 10)}`;
    const res = await stack.request('POST', `/pay/${link.token}`, { raw: form, key: null, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(res.status, 413, res.text.slice(0, 200));
    assert.equal(res.json.code, 'payload_too_large');
    const sandbox = await stack.request('POST', `/sandbox/checkout/pay_x/approve`, { raw: 'x'.repeat(stack.config.MAX_BODY_BYTES + 10), key: null, headers: { 'content-type': 'text/plain' } });
    assert.equal(sandbox.status, 413);
  });

  it('answers a callback to an unknown gateway 404, journals only its first KB, and counts it under one label', async () => {
    const name = `made-up-${randomUUID()}`;
    const marker = randomUUID();
    const res = await stack.request('POST', `/v1/callbacks/${name}`, {
      raw: JSON.stringify({ pad: 'y'.repeat(100_000) }),
      key: null,
      headers: { 'content-type': 'application/json', 'x-request-id': marker },
    });
    assert.equal(res.status, 404);
    assert.equal(res.json.code, 'unknown_gateway');
    const rows = (await stack.pool.query("SELECT * FROM inbound_requests WHERE headers->>'x-request-id' = $1", [marker])).rows;
    assert.equal(rows.length, 1);
    assert.equal(rows[0].outcome, 'rejected_unknown_gateway');
    assert.equal(rows[0].body_truncated, true);
    assert.ok(rows[0].body.length <= 1024, `journaled ${rows[0].body.length} bytes`);
    const metrics = await stack.request('GET', '/metrics', { key: METRICS_TOKEN });
    assert.equal(metrics.status, 200);
    assert.doesNotMatch(metrics.text, new RegExp(name));
    assert.match(metrics.text, /tollgate_callbacks_total\{gateway="\(unknown\)",outcome="rejected_unknown_gateway"\}/);
  });

  it('reads only the first KB of a callback from outside the gateway allowlist (403): a stranger cannot fill the journal', async () => {
    const marker = randomUUID();
    const res = await stack.request('POST', '/v1/callbacks/guarded', {
      raw: JSON.stringify({ pad: 'z'.repeat(200_000) }),
      key: null,
      headers: { 'content-type': 'application/json', 'x-request-id': marker },
    });
    assert.equal(res.status, 403, res.text);
    const rows = (await stack.pool.query("SELECT outcome, body, body_truncated FROM inbound_requests WHERE headers->>'x-request-id' = $1", [marker])).rows;
    assert.deepEqual(rows.map((r) => [r.outcome, r.body_truncated, r.body.length <= 1024]), [['rejected_source', true, true]]);
  });

  it('journals a callback with a NUL byte like any other (readable copy and raw bytes), and a NUL in a JSON field is a 400, not a 500', async () => {
    const marker = randomUUID();
    const body = '{"type":"payment.succeeded","data":{"payment_id":"pay_\u0000x"}}';
    const res = await stack.request('POST', '/v1/callbacks/sandbox', { raw: body, key: null, headers: { 'content-type': 'application/json', 'x-request-id': marker } });
    assert.notEqual(res.status, 500, res.text);
    const rows = (await stack.pool.query("SELECT body, body_raw FROM inbound_requests WHERE headers->>'x-request-id' = $1", [marker])).rows;
    assert.equal(rows.length, 1, 'journaled');
    assert.ok(!rows[0].body.includes('\u0000') && rows[0].body.includes('\ufffd'));
    assert.ok(Buffer.isBuffer(rows[0].body_raw) && rows[0].body_raw.includes(0), 'the exact bytes are kept');
    for (const page of ['/pay/%00', '/bank-transfer/%00', '/sandbox/checkout/%00']) {
      const res = await stack.request('GET', page, { key: null });
      assert.equal(res.status, 404, page);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/, page);
    }
    const customer = await stack.request('POST', '/v1/customers', { body: { external_ref: `nul-${randomUUID()}`, name: 'a\u0000b' } });
    assert.equal(customer.status, 400, customer.text);
    assert.equal(customer.json.code, 'validation_failed');
  });

  it('protects /metrics with METRICS_TOKEN', async () => {
    assert.equal((await stack.request('GET', '/metrics', { key: null })).status, 401);
    assert.equal((await stack.request('GET', '/metrics', { key: 'wrong-token-wrong-token-wrong' })).status, 401);
    assert.equal((await stack.request('GET', '/metrics', { key: stack.adminKey })).status, 401, 'an API key is not the metrics token');
    const ok = await stack.request('GET', '/metrics', { key: METRICS_TOKEN });
    assert.equal(ok.status, 200);
    assert.match(ok.text, /tollgate_http_requests_total/);
  });

  it('sees the caller behind a trusted proxy: the right-most X-Forwarded-For address that is not a trusted proxy', async () => {
    const send = async (forwardedFor: string) => {
      const marker = randomUUID();
      const body = JSON.stringify({ type: 'payment.succeeded', data: { payment_id: 'pay_nope', transaction_id: 't', code: '00' } });
      const res = await stack.request('POST', '/v1/callbacks/guarded', {
        raw: body,
        key: null,
        headers: { 'content-type': 'application/json', 'x-request-id': marker, 'x-forwarded-for': forwardedFor, ...webhookHeaders(TEST_SECRET, `msg_${marker}`, Math.floor(Date.now() / 1000), body) },
      });
      const row = (await stack.pool.query("SELECT source_ip FROM inbound_requests WHERE headers->>'x-request-id' = $1", [marker])).rows[0];
      return { status: res.status, code: res.json.code as string, ip: row?.source_ip as string };
    };
    // The allowlisted sender, seen through our proxy (127.0.0.1 is the trusted peer).
    assert.deepEqual(await send('198.51.100.7'), { status: 404, code: 'unknown_payment', ip: '198.51.100.7' });
    assert.deepEqual(await send('198.51.100.7, 127.0.0.1'), { status: 404, code: 'unknown_payment', ip: '198.51.100.7' });
    // A client that writes the allowlisted address itself is still seen as itself.
    assert.deepEqual(await send('198.51.100.7, 203.0.113.5'), { status: 403, code: 'forbidden_source', ip: '203.0.113.5' });
  });

  it('sends security headers with every HTML page', async () => {
    const payment = await createPayment(stack, (await createCustomer(stack)).id);
    const link = await paymentLink();
    const pages = [`/pay/${link.token}`, '/pay/no-such-token', `/sandbox/checkout/${payment.id}`, '/docs'];
    for (const path of pages) {
      const res = await stack.request('GET', path, { key: null });
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/, path);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.match(csp, /script-src 'self'(;|$)/, path);
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer', path);
      assert.equal(res.headers.get('cache-control'), 'no-store', path);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
    }
    const json = await stack.request('GET', '/healthz', { key: null });
    assert.equal(json.headers.get('content-security-policy'), null, 'JSON answers carry no page policy');
  });

  it('serves Swagger UI from the swagger-ui-dist package, referencing no other host', async () => {
    const docs = await stack.request('GET', '/docs', { key: null });
    assert.equal(docs.status, 200);
    assert.doesNotMatch(docs.text, /(https?:)?\/\/[a-z0-9]/i, 'no absolute URL in the page');
    assert.doesNotMatch(docs.text, /<script>/, 'no inline script');
    const srcs = [...docs.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    assert.ok(srcs.length >= 3);
    for (const src of srcs) {
      assert.match(src, /^\/docs\/assets\//);
      const asset = await stack.request('GET', src, { key: null });
      assert.equal(asset.status, 200, src);
    }
    const bundle = await stack.request('GET', '/docs/assets/swagger-ui-bundle.js', { key: null });
    assert.match(bundle.headers.get('content-type') ?? '', /javascript/);
    assert.match(bundle.text, /SwaggerUIBundle/);
    assert.equal((await stack.request('GET', '/docs/assets/package.json', { key: null })).status, 404);
    assert.equal((await stack.request('GET', '/docs/assets/..%2Fpackage.json', { key: null })).status, 404);
  });
});
