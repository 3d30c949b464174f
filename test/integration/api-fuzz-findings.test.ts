import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { MAX_HEADER_BYTES } from '../../src/api/server.js';
import { createCustomer } from '../support/fixtures.js';
import { type ApiResponse, startTestStack, type TestStack } from '../support/stack.js';

type Operation = { security?: unknown[]; parameters?: unknown[]; requestBody?: unknown; responses: Record<string, { content?: Record<string, unknown> }> };

/**
 * What schemathesis (test/reliability/api-fuzz.test.ts) found, each kept here so it cannot come
 * back: an answer the OpenAPI document did not promise. Every case asserts the real answer and
 * that /openapi.json documents exactly that status, as problem+json, for that operation.
 */
describe('API fuzzing findings: every answer is one /openapi.json documents (real API, Postgres)', () => {
  let stack: TestStack;
  let doc: { paths: Record<string, Record<string, Operation>> };
  before(async () => {
    stack = await startTestStack({}, { worker: false });
    doc = (await stack.request('GET', '/openapi.json', { key: null })).json;
  });
  after(async () => {
    await stack?.close();
  });

  function assertDocumented(method: string, path: string, res: ApiResponse, status: number) {
    assert.equal(res.status, status, res.text);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    assert.equal(res.json.status, status);
    const op = doc.paths[path]?.[method.toLowerCase()];
    assert.ok(op, `${method} ${path} is in the document`);
    assert.ok(op.responses[String(status)]?.content?.['application/problem+json'], `${method} ${path} documents ${status} as problem+json`);
  }

  it('documents 401, 403 and 404 on every bearer-secured operation and 400 on every one that takes input', () => {
    const missing: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const need = [...(op.security?.length ? ['401', '403', '404'] : []), ...(op.parameters?.length || op.requestBody ? ['400'] : []), '431'];
        for (const s of need) if (!op.responses[s]) missing.push(`${method.toUpperCase()} ${path} ${s}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('an id over 100 characters is a documented 400 on every GET /…/{id}', async () => {
    const long = '0'.repeat(101);
    for (const path of ['/v1/customers/{id}', '/v1/payments/{id}', '/v1/payment-links/{id}', '/v1/subscriptions/{id}', '/v1/temporary-payments/{id}', '/v1/bank-statements/{id}']) {
      assertDocumented('GET', path, await stack.request('GET', path.replace('{id}', long)), 400);
    }
  });

  it('a journal cursor beyond a bigint is a documented 400, not a database error', async () => {
    for (const path of ['/v1/callbacks', '/v1/terminal-requests', '/v1/terminal-transactions']) {
      assertDocumented('GET', path, await stack.request('GET', `${path}?cursor=99999999999999999999999`), 400);
    }
  });

  it('GET /v1/bank-statements/{id} with limit over 10,000 is a documented 400', async () => {
    assertDocumented('GET', '/v1/bank-statements/{id}', await stack.request('GET', '/v1/bank-statements/stm_x?limit=10001'), 400);
  });

  it('GET /v1/bank-statements/{id} with after_line beyond a line number (a Postgres integer) is a documented 400, not a database error', async () => {
    // Seed 20261203 found it once a statement existed (until then every such id was a 404).
    const mt940 = [`:20:F${randomUUID().slice(0, 8)}`, ':25:PL61109010140000071219812874', ':28C:1', ':60F:C261203PLN0,00', ':61:2612031203C18,15NTRFNONREF', ':86:fuzz', ':62F:C261203PLN18,15', '-', ''].join('\r\n');
    const uploaded = await stack.request('POST', '/v1/bank-statements', { raw: mt940, headers: { 'content-type': 'text/plain' } });
    assert.equal(uploaded.status, 201, uploaded.text);
    const id = uploaded.json.id as string;
    assertDocumented('GET', '/v1/bank-statements/{id}', await stack.request('GET', `/v1/bank-statements/${id}?after_line=106967864288067`), 400);
    assertDocumented('GET', '/v1/bank-statements/{id}', await stack.request('GET', `/v1/bank-statements/${id}?after_line=2147483648`), 400);
    const last = await stack.request('GET', `/v1/bank-statements/${id}?after_line=2147483647`);
    assert.equal(last.status, 200, last.text);
    assert.deepEqual(last.json.lines, [], 'nothing after the largest line number');
    const documented = doc.paths['/v1/bank-statements/{id}']?.get?.parameters as Array<{ name: string; schema: { maximum?: number } }>;
    assert.equal(documented.find((p) => p.name === 'after_line')?.schema.maximum, 2147483647, 'the document names the bound');
  });

  it('POST /v1/bank-statements without a key is a documented 401, with a read key a documented 403, and journals nothing', async () => {
    const marker = `fuzz-${randomUUID()}`;
    const headers = { 'content-type': 'text/plain', 'x-request-id': marker };
    assertDocumented('POST', '/v1/bank-statements', await stack.request('POST', '/v1/bank-statements', { raw: 'x', key: null, headers }), 401);
    const read = await stack.request('POST', '/v1/api-keys', { body: { name: 'read', scopes: ['read'] } });
    assertDocumented('POST', '/v1/bank-statements', await stack.request('POST', '/v1/bank-statements', { raw: 'x', key: read.json.key, headers }), 403);
    assert.equal(await journaled(stack, marker), 0, 'a refused caller leaves no journal row');
  });

  it('a customer token on a route it may not use is a documented 404', async () => {
    const customer = await createCustomer(stack);
    const token = (await stack.request('POST', `/v1/customers/${customer.id}/tokens`, { body: {} })).json.token as string;
    const routes: Array<[string, string, string, unknown?]> = [
      ['GET', '/v1/customers', '/v1/customers'],
      ['POST', '/v1/customers', '/v1/customers', { external_ref: 'x', name: 'x' }],
      ['GET', '/v1/payments', '/v1/payments'],
      ['GET', '/v1/variable-symbol', '/v1/variable-symbol'],
      ['GET', '/v1/events', '/v1/events'],
      ['GET', '/v1/api-keys', '/v1/api-keys'],
      ['POST', '/v1/api-keys', '/v1/api-keys', { name: 'x', scopes: ['admin'] }],
      ['GET', '/v1/callbacks', '/v1/callbacks'],
      ['GET', '/v1/gateways', '/v1/gateways'],
      ['GET', '/v1/bank-statements', '/v1/bank-statements'],
      ['GET', '/v1/temporary-payments', '/v1/temporary-payments'],
    ];
    const keys = await stack.pool.query('SELECT count(*)::int AS n FROM api_keys');
    for (const [method, path, url, body] of routes) {
      assertDocumented(method, path, await stack.request(method, url, { key: token, ...(body ? { body } : {}) }), 404);
    }
    assert.deepEqual((await stack.pool.query('SELECT count(*)::int AS n FROM api_keys')).rows, keys.rows, 'the token minted no key');
  });

  it('a statement upload whose csv_map is at its documented 2,000 characters reaches the API; a longer request line is a documented 431', async () => {
    // 2,000 four-byte characters: 24,000 bytes percent-encoded, past Node's default header limit.
    const csvMap = encodeURIComponent('😀'.repeat(1000));
    const fits = await stack.request('POST', `/v1/bank-statements?format=csv&csv_map=${csvMap}`, { raw: 'a,b\n', headers: { 'content-type': 'text/plain' } });
    assert.notEqual(fits.status, 431, fits.text);
    assert.equal(fits.headers.get('content-type'), 'application/problem+json');
    assert.ok(doc.paths['/v1/bank-statements']?.post?.responses[String(fits.status)], `${fits.status} is documented`);

    const marker = `fuzz-${randomUUID()}`;
    const tooLong = await stack.request('POST', `/v1/bank-statements?file_name=${'a'.repeat(MAX_HEADER_BYTES)}`, { raw: 'a,b\n', headers: { 'content-type': 'text/plain', 'x-request-id': marker } });
    assertDocumented('POST', '/v1/bank-statements', tooLong, 431);
    assert.equal(tooLong.json.code, 'request_header_fields_too_large');
    assert.equal(await journaled(stack, marker), 0, 'it never reached the API, so nothing is journaled');
  });

  // Found with schemathesis' positive_data_acceptance check: the document allowed values the API refuses.
  it('the documented pattern of Idempotency-Key is exactly what the API accepts', async () => {
    const customer = await createCustomer(stack);
    const param = (doc.paths['/v1/payment-links']?.post?.parameters as Array<{ name: string; schema: { pattern?: string } }>).find((p) => p.name === 'idempotency-key');
    const pattern = new RegExp(param?.schema.pattern ?? '(none)');
    for (const key of ['key-1', 'a'.repeat(255), 'has space', 'café', 'a'.repeat(256)]) {
      const res = await stack.request('POST', '/v1/payment-links', { body: { customer_id: customer.id, amount: 100, currency: 'PLN' }, headers: { 'idempotency-key': key } });
      assert.equal(res.status === 400, !pattern.test(key), `${key.slice(0, 20)}: ${res.status} ${res.text}`);
    }
  });

  it('the documented pattern of the subscriptions state filter is exactly what the API accepts', async () => {
    const param = (doc.paths['/v1/subscriptions']?.get?.parameters as Array<{ name: string; schema: { pattern?: string } }>).find((p) => p.name === 'state');
    const pattern = new RegExp(param?.schema.pattern ?? '(none)');
    for (const state of ['active', 'active, past_due', 'user_stopped,admin_stopped,system_stopped', 'bogus', 'active,,past_due', 'active,']) {
      const res = await stack.request('GET', `/v1/subscriptions?limit=1&state=${encodeURIComponent(state)}`);
      assert.equal(res.status === 400, !pattern.test(state), `${state}: ${res.status} ${res.text}`);
    }
  });
});

/** Journal rows of requests sent with this x-request-id (other files share the database). */
async function journaled(stack: TestStack, marker: string): Promise<number> {
  const { rows } = await stack.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM inbound_requests WHERE headers->>'x-request-id' = $1", [marker]);
  return rows[0]!.n;
}
