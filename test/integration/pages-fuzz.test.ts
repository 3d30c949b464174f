import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createCustomer } from '../support/fixtures.js';
import { clientAddress, formField, portalCustomer, portalEnv, portalGatewaysFile } from '../support/portal.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/**
 * The pages a payer's browser opens are not in /openapi.json (HTML and forms, not the API), so the
 * schemathesis run (test/reliability/api-fuzz.test.ts) never reaches them. Here fast-check sends
 * them what a browser, a crawler or an attacker might: path segments that are real tokens and
 * payment ids or junk (NUL, broken percent-escapes, overlong UTF-8, very long), query strings, and
 * form bodies of real and junk fields under several content types. Every answer must be a page
 * (text/html), a problem (application/problem+json) or a redirect, and never a 5xx.
 *
 * TOLLGATE_FUZZ_SEED, TOLLGATE_FUZZ_RUNS (default 300) as in the other fuzzers.
 */
const SEED = Number(process.env.TOLLGATE_FUZZ_SEED ?? 20261201);
const RUNS = Number(process.env.TOLLGATE_FUZZ_RUNS ?? 300);

describe('payer pages fuzzing: the pay page, the portal, the sandbox checkout, result pages (real API, Postgres)', () => {
  let stack: TestStack;
  const real = { token: '', linkPaymentId: '', paymentId: '', transferId: '', contract: '' };

  before(async () => {
    stack = await startTestStack(portalEnv(portalGatewaysFile()));
    const customer = await createCustomer(stack);
    const link = await stack.request('POST', '/v1/payment-links', { body: { customer_id: customer.id, amount: 12_345, currency: 'PLN', description: 'fuzz' } });
    assert.equal(link.status, 201, link.text);
    real.token = link.json.token as string;
    // A payment started from the link, so its result page and its sandbox checkout are real.
    const started = await stack.request('POST', `/pay/${real.token}`, { key: null, raw: 'gateway=sandbox', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(started.status, 303, started.text);
    real.linkPaymentId = new URL(started.headers.get('location') ?? '', stack.baseUrl).pathname.split('/').pop() ?? '';
    const payment = await stack.request('POST', '/v1/payments', { body: { customer_id: customer.id, amount: 1815, currency: 'PLN', gateway: 'sandbox', description: 'fuzz' } });
    assert.equal(payment.status, 201, payment.text);
    real.paymentId = payment.json.id as string;
    const transfer = await stack.request('POST', '/v1/payments', { body: { customer_id: customer.id, amount: 2000, currency: 'PLN', gateway: 'bank_transfer', description: 'fuzz' } });
    real.transferId = transfer.status === 201 ? (transfer.json.id as string) : real.paymentId;
    real.contract = (await portalCustomer(stack)).contract;
  });
  after(async () => {
    await stack?.close();
  });

  const junk = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.constantFrom('%00', '%ZZ', '%C0%AF', '%ED%A0%80', '%', '..%2F..%2Fpackage.json', '%2e%2e', 'NULL', "' OR 1=1 --", '<script>', '-1', '1e999', '9'.repeat(40)),
    fc.integer({ min: 150, max: 3000 }).map((n) => 'a'.repeat(n)),
  );
  /** A path segment: a real one, or junk (escaped as a browser would, or raw where it is an escape already). */
  const segment = (...reals: Array<() => string>) =>
    fc.oneof(fc.constantFrom(...reals).map((f) => f()), junk.map((j) => (/%/.test(j) ? j : encodeURIComponent(j))));
  const token = segment(() => real.token);
  const payment = segment(() => real.paymentId, () => real.linkPaymentId, () => real.transferId);

  const route = fc.oneof(
    token.map((t) => ({ method: 'GET', path: `/pay/${t}` })),
    token.map((t) => ({ method: 'POST', path: `/pay/${t}` })),
    fc.tuple(token, payment).map(([t, p]) => ({ method: 'GET', path: `/pay/${t}/result/${p}` })),
    payment.map((p) => ({ method: 'GET', path: `/sandbox/checkout/${p}` })),
    payment.map((p) => ({ method: 'GET', path: `/sandbox/checkout/${p}/result` })),
    fc.tuple(payment, fc.constantFrom('approve', 'decline', 'approve-silently', 'nonsense')).map(([p, v]) => ({ method: 'POST', path: `/sandbox/checkout/${p}/${v}` })),
    payment.map((p) => ({ method: 'GET', path: `/checkout/${p}/result` })),
    payment.map((p) => ({ method: 'GET', path: `/bank-transfer/${p}` })),
    payment.map((p) => ({ method: 'GET', path: `/pay/result/${p}` })),
    segment(() => 'init.js', () => 'swagger-ui.css').map((f) => ({ method: 'GET', path: `/docs/assets/${f}` })),
    fc.constantFrom('/pay', '/pay/sum', '/pay/start').chain((path) => fc.constantFrom('GET', 'POST').map((method) => ({ method, path }))),
  );
  /** Form fields: the portal's and the pay page's, real values or junk, with junk names too. */
  const field = fc.tuple(
    fc.oneof(fc.constantFrom('form', 'account', 'sum', 'edit', 'gateway', 'nonce'), junk),
    fc.oneof(fc.constantFrom('@form', '@contract', 'sandbox', 'card_plain', 'bank_transfer', '10.00', '0.01', '100000000.00'), junk),
  );
  const contentType = fc.constantFrom('application/x-www-form-urlencoded', 'multipart/form-data; boundary=fuzz', 'multipart/form-data', 'application/json', 'text/plain', undefined);
  const request = fc.record({
    route,
    query: fc.option(fc.array(field, { maxLength: 3 }), { nil: undefined }),
    fields: fc.array(field, { maxLength: 5 }),
    contentType,
    rawBody: fc.option(fc.oneof(junk, fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1'))), { nil: undefined, freq: 4 }),
    sameOrigin: fc.boolean(),
  });

  /** A real sealed form of the portal, fresh: its first page's. */
  async function portalForm(): Promise<string> {
    const page = await stack.request('GET', '/pay', { key: null });
    return page.status === 200 ? formField(page.text) : '';
  }

  it(`${RUNS} generated requests to the payer pages: never a 5xx, always a page, a problem or a redirect`, { timeout: 10 * 60_000 }, async () => {
    const statuses: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const values = async (v: string) => (v === '@form' ? portalForm() : v === '@contract' ? real.contract : v);
        const pairs = await Promise.all(r.fields.map(async ([k, v]) => [k, await values(v)] as const));
        const query = r.query ? `?${new URLSearchParams(await Promise.all(r.query.map(async ([k, v]) => [k, await values(v)] as [string, string]))).toString()}` : '';
        const headers: Record<string, string> = { 'x-forwarded-for': clientAddress() };
        if (r.sameOrigin) headers.origin = stack.baseUrl;
        let body: string | undefined;
        if (r.route.method === 'POST') {
          if (r.contentType) headers['content-type'] = r.contentType;
          body = r.rawBody ?? (r.contentType?.startsWith('multipart/form-data; boundary=fuzz')
            ? `${pairs.map(([k, v]) => `--fuzz\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('')}--fuzz--\r\n`
            : r.contentType === 'application/json' ? JSON.stringify(Object.fromEntries(pairs)) : new URLSearchParams(pairs.map(([k, v]): [string, string] => [k, v])).toString());
        }
        const res = await fetch(`${stack.baseUrl}${r.route.path}${query}`, { method: r.route.method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(30_000) });
        const text = await res.text();
        const type = res.headers.get('content-type') ?? '';
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        const what = `${r.route.method} ${r.route.path.slice(0, 200)}${query.slice(0, 200)} → ${res.status} ${type}: ${text.slice(0, 300)}`;
        assert.ok(res.status < 500, what);
        if (res.status >= 300 && res.status < 400) assert.ok(res.headers.get('location'), `a redirect without a location: ${what}`);
        else assert.match(type, /^(text\/html|application\/problem\+json|text\/javascript|text\/css)/, `neither a page nor a problem: ${what}`);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    console.log(`[fuzz] payer pages: ${RUNS} requests, seed ${SEED}, statuses ${JSON.stringify(statuses)}`);
  });
});
