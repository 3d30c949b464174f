import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { findWebhookEndpoint } from '../../src/db/webhook-endpoints.js';
import { deliveryHeaders } from '../../src/webhooks/sign.js';
import { createCustomer } from '../support/fixtures.js';
import { writeGatewaysFile } from '../support/gateways-file.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/**
 * Webhook endpoints over HTTP with the real app and Postgres: the secret shown twice in its life
 * (creation, rotation) and nowhere else, rotation checked by the official standardwebhooks
 * verifier, the private-URL refusals, scopes, and the events each change writes. Deliveries and
 * their resending are in webhook-deliveries.test.ts.
 */
describe('webhook endpoints (real API, Postgres)', () => {
  let stack: TestStack;
  let readKey: string;
  let billingKey: string;
  let customerToken: string;
  const created: string[] = [];

  before(async () => {
    stack = await startTestStack({}, { worker: false });
    const mint = async (scopes: string[]) => (await stack.request('POST', '/v1/api-keys', { body: { name: 'webhooks test', scopes } })).json.key as string;
    readKey = await mint(['read']);
    billingKey = await mint(['billing']);
    const customer = await createCustomer(stack);
    customerToken = (await stack.request('POST', `/v1/customers/${customer.id}/tokens`, { body: {} })).json.token;
  });
  afterEach(async () => {
    // Every test leaves no live endpoint behind: other files' outboxes would post to it.
    for (const id of created.splice(0)) {
      const res = await stack.request('DELETE', `/v1/webhook-endpoints/${id}`);
      assert.ok(res.status === 204 || res.status === 404, res.text);
    }
  });
  after(async () => {
    await stack?.close();
  });

  /** A URL under .invalid (RFC 2606): public in form, and it never resolves, so nothing is ever sent to it. */
  const url = () => `https://hooks-${randomUUID()}.tollgate-test.invalid/receive`;

  /**
   * Registers an endpoint for a type no event has (unless the body names others), so another
   * file's outbox on the same database fans nothing out to it.
   */
  async function create(body: Record<string, unknown> = {}, opts: { key?: string; headers?: Record<string, string> } = {}) {
    const res = await stack.request('POST', '/v1/webhook-endpoints', { body: { url: url(), event_types: ['payment.dispute_closed'], ...body }, ...opts });
    if (res.status === 201) created.push(res.json.id);
    return res;
  }

  async function eventsOf(id: string) {
    const { rows } = await stack.pool.query<{ type: string; aggregate_type: string; payload: Record<string, unknown> }>(
      'SELECT type, aggregate_type, payload FROM events WHERE aggregate_id = $1 ORDER BY id',
      [id],
    );
    return rows;
  }

  it('creates (secret shown once), reads, lists, changes and deletes an endpoint, each change an event without the secret', async () => {
    const res = await create({ description: 'LMS', event_types: ['temporary_payment.created', 'payment.succeeded', 'payment.succeeded'] });
    assert.equal(res.status, 201, res.text);
    const id: string = res.json.id;
    const secret: string = res.json.secret;
    assert.match(id, /^we_/);
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.deepEqual(res.json.event_types, ['payment.succeeded', 'temporary_payment.created'], 'sorted, each once');
    assert.equal(res.json.enabled, true);
    assert.equal(res.json.secret_rotating_until, null);

    const got = await stack.request('GET', `/v1/webhook-endpoints/${id}`, { key: readKey });
    assert.equal(got.status, 200, got.text);
    assert.equal(got.json.secret, undefined);
    assert.ok(!got.text.includes(secret));
    assert.deepEqual({ ...res.json, secret: undefined }, { ...got.json, secret: undefined });

    const list = await stack.request('GET', '/v1/webhook-endpoints?limit=500', { key: readKey });
    assert.equal(list.status, 200, list.text);
    assert.ok(list.json.data.some((e: { id: string }) => e.id === id));
    assert.ok(!list.text.includes('whsec_'), 'no secret of any endpoint in a list');

    const patched = await stack.request('PATCH', `/v1/webhook-endpoints/${id}`, { body: { description: 'LMS prod', event_types: ['*'] }, key: billingKey });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.json.description, 'LMS prod');
    assert.deepEqual(patched.json.event_types, ['*']);
    assert.ok(!patched.text.includes(secret));
    const unchanged = await stack.request('PATCH', `/v1/webhook-endpoints/${id}`, { body: { description: 'LMS prod' } });
    assert.equal(unchanged.status, 200, unchanged.text);

    const del = await stack.request('DELETE', `/v1/webhook-endpoints/${id}`, { key: billingKey });
    assert.equal(del.status, 204, del.text);
    assert.equal((await stack.request('GET', `/v1/webhook-endpoints/${id}`)).status, 404);
    assert.equal((await stack.request('DELETE', `/v1/webhook-endpoints/${id}`)).status, 404);
    assert.equal((await stack.request('PATCH', `/v1/webhook-endpoints/${id}`, { body: { enabled: false } })).status, 404);
    assert.equal((await stack.request('POST', `/v1/webhook-endpoints/${id}/rotate-secret`)).status, 404);
    const after = await stack.request('GET', '/v1/webhook-endpoints?limit=500');
    assert.ok(!after.json.data.some((e: { id: string }) => e.id === id), 'a deleted endpoint is not listed');
    const { rows } = await stack.pool.query('SELECT deleted_at FROM webhook_endpoints WHERE id = $1', [id]);
    assert.ok(rows[0]?.deleted_at instanceof Date, 'the row stays, marked deleted');

    const events = await eventsOf(id);
    assert.deepEqual(events.map((e) => e.type), ['webhook_endpoint.created', 'webhook_endpoint.updated', 'webhook_endpoint.deleted'], 'no event for a change that changed nothing');
    assert.ok(events.every((e) => e.aggregate_type === 'webhook_endpoint'));
    const endpointUrl = new URL(res.json.url).origin;
    assert.deepEqual(events[0]?.payload, { endpoint_id: id, url: endpointUrl, event_types: ['payment.succeeded', 'temporary_payment.created'], enabled: true });
    assert.deepEqual(events[1]?.payload, { endpoint_id: id, url: endpointUrl, event_types: ['*'], enabled: true });
    assert.ok(!JSON.stringify(events).includes('whsec_'));
  });

  it("keeps an endpoint URL's path, query and fragment out of its events: other endpoints receive them", async () => {
    const host = `hooks-${randomUUID()}.tollgate-test.invalid`;
    const res = await stack.request('POST', '/v1/webhook-endpoints', { body: { url: `https://${host}/hooks/tok_in_path/receive?token=tok_hidden#frag` } });
    assert.equal(res.status, 201, res.text);
    created.push(res.json.id);
    assert.equal(res.json.url, `https://${host}/hooks/tok_in_path/receive?token=tok_hidden#frag`, 'the API still shows its own reader the whole URL');
    const rotated = await stack.request('POST', `/v1/webhook-endpoints/${res.json.id}/rotate-secret`);
    assert.equal(rotated.status, 200, rotated.text);
    const events = await eventsOf(res.json.id);
    assert.deepEqual(events.map((e) => e.payload.url), [`https://${host}`, `https://${host}`]);
    assert.ok(!JSON.stringify(events).includes('tok_hidden') && !JSON.stringify(events).includes('tok_in_path'));
  });

  it('without event_types an endpoint receives every type', async () => {
    const res = await stack.request('POST', '/v1/webhook-endpoints', { body: { url: url(), enabled: false } });
    assert.equal(res.status, 201, res.text);
    created.push(res.json.id);
    assert.deepEqual(res.json.event_types, ['*']);
    assert.deepEqual((await eventsOf(res.json.id))[0]?.payload.event_types, ['*']);
  });

  it('disabling says it was the user; enabling clears whatever turned it off and its failures', async () => {
    const res = await create({ enabled: false });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.enabled, false);
    assert.equal(res.json.disabled_reason, 'user');
    const id: string = res.json.id;
    await stack.pool.query(`UPDATE webhook_endpoints SET disabled_reason = 'failing', failing_since = now() - interval '5 days' WHERE id = $1`, [id]);
    const still = await stack.request('PATCH', `/v1/webhook-endpoints/${id}`, { body: { enabled: false } });
    assert.equal(still.json.disabled_reason, 'failing', 'an endpoint already off keeps its reason');

    const on = await stack.request('PATCH', `/v1/webhook-endpoints/${id}`, { body: { enabled: true } });
    assert.equal(on.status, 200, on.text);
    assert.deepEqual([on.json.enabled, on.json.disabled_reason, on.json.disabled_at, on.json.failing_since], [true, null, null, null]);
    const off = await stack.request('PATCH', `/v1/webhook-endpoints/${id}`, { body: { enabled: false } });
    assert.deepEqual([off.json.enabled, off.json.disabled_reason], [false, 'user']);
    assert.ok(off.json.disabled_at);
    assert.deepEqual((await eventsOf(id)).map((e) => [e.type, e.payload.enabled]), [
      ['webhook_endpoint.created', false],
      ['webhook_endpoint.updated', true],
      ['webhook_endpoint.updated', false],
    ]);
  });

  it('stores the URL as it is parsed and checked: host lower-cased, stray whitespace dropped', async () => {
    const name = `Hooks-${randomUUID()}.Tollgate-Test.INVALID`;
    const res = await create({ url: `https://${name}/Receive?A=1\n` });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.url, `https://${name.toLowerCase()}/Receive?A=1`);
    const patched = await stack.request('PATCH', `/v1/webhook-endpoints/${res.json.id}`, { body: { url: `https://${name.toUpperCase()}/Receive?A=1` } });
    assert.equal(patched.status, 200, patched.text);
    assert.equal((await eventsOf(res.json.id)).length, 1, 'the same URL in another spelling is no change');
    const long = await create({ url: `https://example.com/${'é'.repeat(1000)}` });
    assert.equal(long.status, 422, 'within 2048 characters as typed, over it percent-encoded');
  });

  it('an Idempotency-Key answers the first creation, secret included; another body with it is 422', async () => {
    const body = { url: url(), description: 'once' };
    const key = `whe-${randomUUID()}`;
    const first = await create(body, { headers: { 'idempotency-key': key } });
    assert.equal(first.status, 201, first.text);
    const again = await create(body, { headers: { 'idempotency-key': key } });
    assert.equal(again.status, 201, again.text);
    assert.deepEqual(again.json, first.json);
    const { rows } = await stack.pool.query('SELECT count(*)::int AS n FROM webhook_endpoints WHERE url = $1', [body.url]);
    assert.equal(rows[0]?.n, 1);
    const other = await create({ ...body, description: 'twice' }, { headers: { 'idempotency-key': key } });
    assert.equal(other.status, 422, other.text);
    assert.equal(other.json.code, 'idempotency_key_reused');
  });

  it('rotation: both secrets verify (standardwebhooks) for 24 hours, then only the new one; the secret shows only in the answer', async () => {
    const res = await create();
    const id: string = res.json.id;
    const oldSecret: string = res.json.secret;
    const key = `rot-${randomUUID()}`;
    const rotated = await stack.request('POST', `/v1/webhook-endpoints/${id}/rotate-secret`, { key: billingKey, headers: { 'idempotency-key': key } });
    assert.equal(rotated.status, 200, rotated.text);
    const newSecret: string = rotated.json.secret;
    assert.match(newSecret, /^whsec_/);
    assert.notEqual(newSecret, oldSecret);
    const until = Date.parse(rotated.json.secret_rotating_until);
    assert.ok(Math.abs(until - (Date.now() + 24 * 3_600_000)) < 60_000, rotated.json.secret_rotating_until);
    const replay = await stack.request('POST', `/v1/webhook-endpoints/${id}/rotate-secret`, { key: billingKey, headers: { 'idempotency-key': key } });
    assert.equal(replay.json.secret, newSecret, 'a retried rotation does not rotate twice');
    const elsewhere = await create();
    const reused = await stack.request('POST', `/v1/webhook-endpoints/${elsewhere.json.id}/rotate-secret`, { key: billingKey, headers: { 'idempotency-key': key } });
    assert.equal(reused.status, 422, 'the same key for another endpoint is not that rotation');

    const got = await stack.request('GET', `/v1/webhook-endpoints/${id}`);
    assert.equal(got.json.secret_rotating_until, rotated.json.secret_rotating_until);
    assert.ok(!got.text.includes(newSecret) && !got.text.includes(oldSecret));

    const row = await findWebhookEndpoint(stack.pool, id);
    assert.ok(row);
    assert.equal(row.secret, newSecret);
    const body = JSON.stringify({ id: 1, type: 'payment.succeeded', payload: { amount: 1815 } });
    const now = new Date();
    const during = deliveryHeaders(row, 'evt_1', Math.floor(now.getTime() / 1000), body, now);
    assert.deepEqual(new Webhook(oldSecret).verify(body, during), JSON.parse(body));
    assert.deepEqual(new Webhook(newSecret).verify(body, during), JSON.parse(body));

    // The overlap over: the row as it then is, signing at that moment.
    await stack.pool.query(`UPDATE webhook_endpoints SET previous_secret_expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
    const later = await findWebhookEndpoint(stack.pool, id);
    assert.ok(later);
    const afterOverlap = deliveryHeaders(later, 'evt_2', Math.floor(Date.now() / 1000), body, new Date());
    assert.deepEqual(new Webhook(newSecret).verify(body, afterOverlap), JSON.parse(body));
    assert.throws(() => new Webhook(oldSecret).verify(body, afterOverlap), WebhookVerificationError);
    assert.equal((await stack.request('GET', `/v1/webhook-endpoints/${id}`)).json.secret_rotating_until, null);

    const events = await eventsOf(id);
    assert.deepEqual(events.map((e) => e.type), ['webhook_endpoint.created', 'webhook_endpoint.secret_rotated']);
    assert.ok(!JSON.stringify(events).includes('whsec_'));
  });

  it('refuses URLs that are not public (422, saying why) and bad bodies (400, naming the field)', async () => {
    for (const bad of ['http://169.254.169.254/latest/meta-data/', 'http://127.0.0.1:3000/', 'http://[::1]/', 'http://localhost/', 'http://billing-lms/hooks', 'http://metadata.google.internal/']) {
      const res = await create({ url: bad });
      assert.equal(res.status, 422, `${bad}: ${res.text}`);
      assert.equal(res.json.errors?.[0]?.path, 'url');
      assert.match(res.json.detail, /OUTBOUND_ALLOWED_HOSTS/);
    }
    const ok = await create();
    const patched = await stack.request('PATCH', `/v1/webhook-endpoints/${ok.json.id}`, { body: { url: 'http://10.0.0.5/' } });
    assert.equal(patched.status, 422, patched.text);
    assert.equal((await stack.request('GET', `/v1/webhook-endpoints/${ok.json.id}`)).json.url, ok.json.url, 'unchanged');

    const cases: Array<[Record<string, unknown>, string]> = [
      [{ url: 'ftp://example.com/' }, 'url'],
      [{ url: 'https://user:pw@example.com/' }, 'url'],
      [{ url: `https://example.com/${'a'.repeat(2100)}` }, 'url'],
      [{ event_types: [] }, 'event_types'],
      [{ event_types: ['Payment Succeeded'] }, 'event_types.0'],
      [{ event_types: ['*', 'payment.succeeded'] }, 'event_types'],
      [{ event_types: Array.from({ length: 101 }, (_, i) => `t.e${'x'.repeat(i % 5)}`) }, 'event_types'],
      [{ description: 'x'.repeat(501) }, 'description'],
      [{ secret: 'whsec_mine' }, '(body)'],
    ];
    for (const [body, path] of cases) {
      const res = await create(body);
      assert.ok(res.status === 400 || (path === 'url' && res.status === 422), `${JSON.stringify(body).slice(0, 80)}: ${res.status} ${res.text}`);
      assert.ok(res.json.errors.some((e: { path: string }) => e.path === path), `${path}: ${res.text}`);
    }
    const missing = await stack.request('POST', '/v1/webhook-endpoints', { body: {} });
    assert.equal(missing.status, 400);
    assert.equal(missing.json.errors[0].path, 'url');
    const empty = await stack.request('PATCH', `/v1/webhook-endpoints/${ok.json.id}`, { body: {} });
    assert.equal(empty.status, 400, empty.text);
  });

  it('scopes: reads need read, changes need billing; customer tokens find nothing; no key is 401', async () => {
    assert.equal((await create({}, { key: readKey })).status, 403);
    const made = await create({}, { key: billingKey });
    assert.equal(made.status, 201, made.text);
    const id: string = made.json.id;
    assert.equal((await stack.request('GET', `/v1/webhook-endpoints/${id}`, { key: readKey })).status, 200);
    assert.equal((await stack.request('GET', '/v1/webhook-endpoints', { key: readKey })).status, 200);
    for (const [method, path, body] of [
      ['PATCH', `/v1/webhook-endpoints/${id}`, { enabled: false }],
      ['DELETE', `/v1/webhook-endpoints/${id}`, undefined],
      ['POST', `/v1/webhook-endpoints/${id}/rotate-secret`, undefined],
    ] as const) {
      assert.equal((await stack.request(method, path, { key: readKey, ...(body ? { body } : {}) })).status, 403, `${method} ${path} with read`);
    }
    for (const path of ['/v1/webhook-endpoints', `/v1/webhook-endpoints/${id}`]) {
      const res = await stack.request('GET', path, { key: customerToken });
      assert.equal(res.status, 404, `${path} with a customer token: ${res.text}`);
      assert.equal((await stack.request('GET', path, { key: null })).status, 401);
    }
    assert.equal((await create({}, { key: customerToken })).status, 404);
    assert.equal((await stack.request('GET', '/v1/webhook-endpoints/we_nosuchendpoint')).status, 404);
  });

  it('caps live endpoints per deployment (WEBHOOK_MAX_ENDPOINTS): beyond it, 422', async () => {
    // This file's endpoint makes at least one live endpoint, whatever other files do meanwhile.
    assert.equal((await create()).status, 201);
    const capped = await startTestStack({ WEBHOOK_MAX_ENDPOINTS: '1' }, { worker: false });
    try {
      const refusedUrl = url();
      const res = await capped.request('POST', '/v1/webhook-endpoints', { body: { url: refusedUrl } });
      assert.equal(res.status, 422, res.text);
      assert.match(res.json.detail, /WEBHOOK_MAX_ENDPOINTS/);
      const { rows } = await stack.pool.query(`SELECT count(*)::int AS n FROM events WHERE type = 'webhook_endpoint.created' AND payload->>'url' = $1`, [new URL(refusedUrl).origin]);
      assert.equal(rows[0]?.n, 0, 'a refused creation writes no event');
    } finally {
      await capped.close();
    }
  });

  it('in production only https URLs are taken', async () => {
    const prod = await startTestStack(
      {
        TOLLGATE_ENV: 'production',
        TOLLGATE_GATEWAYS_FILE: writeGatewaysFile([{ name: 'transfer', adapter: 'bank_transfer', label: 'Transfer', mode: 'live', account: { iban: 'DE89370400440532013000', holder: 'Example ISP GmbH' } }]),
        // Only the config sees this URL; the stack's pool uses the run's database.
        DATABASE_URL: 'postgres://tollgate:n0t-the-default-Pa55@127.0.0.1:1/tollgate',
        AMOUNT_HOOK_SECRET: 'whsec_cHJvZHVjdGlvbi1hbW91bnQtaG9vay1zZWNyZXQ=',
        TOLLGATE_ADMIN_API_KEY: 'k'.repeat(40),
      },
      { worker: false },
    );
    try {
      const plain = await prod.request('POST', '/v1/webhook-endpoints', { body: { url: url().replace('https:', 'http:') } });
      assert.equal(plain.status, 422, plain.text);
      assert.match(plain.json.detail, /https URL in production/);
      const tls = await prod.request('POST', '/v1/webhook-endpoints', { body: { url: url() } });
      assert.equal(tls.status, 201, tls.text);
      created.push(tls.json.id);
      const downgrade = await prod.request('PATCH', `/v1/webhook-endpoints/${tls.json.id}`, { body: { url: url().replace('https:', 'http:') } });
      assert.equal(downgrade.status, 422, downgrade.text);
    } finally {
      await prod.close();
    }
  });

  it('/openapi.json documents every webhook route', async () => {
    const doc = (await stack.request('GET', '/openapi.json', { key: null })).json;
    const expected: Array<[string, string]> = [
      ['/v1/webhook-endpoints', 'post'],
      ['/v1/webhook-endpoints', 'get'],
      ['/v1/webhook-endpoints/{id}', 'get'],
      ['/v1/webhook-endpoints/{id}', 'patch'],
      ['/v1/webhook-endpoints/{id}', 'delete'],
      ['/v1/webhook-endpoints/{id}/rotate-secret', 'post'],
      ['/v1/webhook-endpoints/{id}/deliveries', 'get'],
      ['/v1/webhook-endpoints/{id}/recover', 'post'],
      ['/v1/events/{id}/deliveries', 'get'],
      ['/v1/webhook-deliveries/{id}', 'get'],
      ['/v1/webhook-deliveries/{id}/retry', 'post'],
    ];
    for (const [path, method] of expected) assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path}`);
    const withSecret = doc.components.schemas.WebhookEndpointWithSecret.allOf;
    assert.deepEqual(withSecret[0], { $ref: '#/components/schemas/WebhookEndpoint' });
    assert.deepEqual(withSecret[1].required, ['secret']);
    assert.equal(doc.paths['/v1/webhook-endpoints'].post.responses['201'].content['application/json'].schema.$ref, '#/components/schemas/WebhookEndpointWithSecret');
    assert.equal(doc.components.schemas.WebhookEndpoint.properties.secret, undefined);
    assert.ok(doc.paths['/v1/webhook-deliveries/{id}/retry'].post.responses['409']);
  });
});
