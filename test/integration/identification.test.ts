import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { verifyWebhook } from '../../src/gateways/standard-webhooks.js';
import { createIdentifyPayer, type IdentificationChannel } from '../../src/identification/index.js';
import { parseOutboundAllowlist } from '../../src/outbound/addresses.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/** A lookup result in an assertion message (it holds bigints). */
const show = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));

const channel = (over: Partial<IdentificationChannel> = {}): IdentificationChannel => ({
  name: 'it-terminal',
  kinds: ['contract', 'login', 'phone', 'uid'],
  accountExpression: null,
  minAmountMinor: 100n,
  addToRecommendedMinor: 120n,
  recommendedIsMinimum: false,
  ...over,
});

describe('customer identification', () => {
  let stack: TestStack;
  const servers: Server[] = [];
  before(async () => {
    stack = await startTestStack({}, { worker: false });
  });
  after(async () => {
    for (const s of servers) s.close();
    await stack?.close();
  });

  /** A customer of its own, with unique identifiers (the test database is shared by every file). */
  async function customer(name = 'Тест User') {
    const ext = `ext-${randomUUID()}`;
    const res = await stack.request('POST', '/v1/customers', { body: { external_ref: ext, name } });
    assert.equal(res.status, 201, res.text);
    const n = String(Math.floor(Math.random() * 1e8)).padStart(8, '0');
    return { id: res.json.id as string, ext, contract: `A-${randomUUID().slice(0, 8)}`, login: `jan-${randomUUID().slice(0, 8)}`, digits: `48600${n}` };
  }

  it('PUT /identifiers replaces the set, normalised; GET reads it back; null removes a kind', async () => {
    const c = await customer();
    const phone = `+${c.digits.slice(0, 2)} ${c.digits.slice(2, 5)} ${c.digits.slice(5)}`;
    const put = await stack.request('PUT', `/v1/customers/${c.id}/identifiers`, { body: { contract: ` ${c.contract} `, login: c.login, phone } });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(put.json, { customer_id: c.id, uid: c.ext, contract: c.contract, login: c.login, phone: c.digits });
    const got = await stack.request('GET', `/v1/customers/${c.id}/identifiers`);
    assert.deepEqual(got.json, put.json);
    const fewer = await stack.request('PUT', `/v1/customers/${c.id}/identifiers`, { body: { contract: c.contract, login: null } });
    assert.deepEqual(fewer.json, { customer_id: c.id, uid: c.ext, contract: c.contract, login: null, phone: null });
  });

  it('a value another customer holds is 409 naming the kind, and nothing of the request is kept', async () => {
    const a = await customer();
    const b = await customer();
    await stack.request('PUT', `/v1/customers/${a.id}/identifiers`, { body: { phone: a.digits } });
    await stack.request('PUT', `/v1/customers/${b.id}/identifiers`, { body: { login: b.login } });
    const taken = await stack.request('PUT', `/v1/customers/${b.id}/identifiers`, { body: { contract: b.contract, phone: `+${a.digits}` } });
    assert.equal(taken.status, 409, taken.text);
    assert.match(taken.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.deepEqual(taken.json.errors, [{ path: 'phone', message: 'this phone belongs to another customer' }]);
    assert.doesNotMatch(taken.text, new RegExp(a.id), 'the holder is not named');
    const still = await stack.request('GET', `/v1/customers/${b.id}/identifiers`);
    assert.deepEqual([still.json.login, still.json.contract, still.json.phone], [b.login, null, null]);
  });

  it('refuses a phone that is not one (400 naming it), unknown fields, and unknown customers', async () => {
    const c = await customer();
    const bad = await stack.request('PUT', `/v1/customers/${c.id}/identifiers`, { body: { phone: '600 CALL ME' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.errors[0].path, 'phone');
    assert.equal((await stack.request('PUT', `/v1/customers/${c.id}/identifiers`, { body: { uid: 'x' } })).status, 400);
    assert.equal((await stack.request('PUT', '/v1/customers/cus_nope/identifiers', { body: {} })).status, 404);
    assert.equal((await stack.request('PUT', `/v1/customers/${c.id}/identifiers`, { body: {}, key: null })).status, 401);
  });

  it('finds the customer by each kind the channel accepts, in order, and not by the others', async () => {
    const c = await customer();
    await stack.request('PUT', `/v1/customers/${c.id}/identifiers`, { body: { contract: c.contract, login: c.login, phone: c.digits } });
    const identify = stack.deps.identifyPayer;
    for (const [kind, typed] of [['contract', c.contract], ['login', c.login], ['phone', `+${c.digits}`], ['uid', c.ext]] as const) {
      const r = await identify(channel(), typed);
      assert.ok(r.found, `${kind}: ${show(r)}`);
      assert.equal(r.customerId, c.id);
      assert.equal(r.kind, kind);
      assert.equal(r.maskedName, 'Те** Us**');
    }
    const notFound = { found: false, reason: 'not_found' };
    assert.deepEqual(await identify(channel({ kinds: ['contract'] }), c.login), notFound, 'a login on a contract-only channel');
    assert.deepEqual(await identify(channel(), `nobody-${randomUUID()}`), notFound);
    assert.deepEqual(await identify(channel({ kinds: ['phone'] }), 'letters'), notFound, 'what cannot be a phone is a miss like any other');
    assert.deepEqual(await identify(channel(), ' '), { found: false, reason: 'format' });
    assert.deepEqual(await identify(channel(), `${c.login}\u0000`), notFound, 'a stray NUL is a miss, not a thrown query');
  });

  it('applies the account expression first (ABillS form), and a catastrophic one answers unavailable within its budget', async () => {
    const c = await customer();
    const eight = c.digits.slice(-8);
    await stack.request('PUT', `/v1/customers/${c.id}/identifiers`, { body: { contract: eight } });
    const last8 = channel({ kinds: ['contract'], accountExpression: '\\d+(\\d{8})$/$1' });
    const r = await stack.deps.identifyPayer(last8, `99${eight}`);
    assert.ok(r.found && r.customerId === c.id, show(r));
    // What the expression does not fit is looked up as typed (Abills::Filters _expr): an 8-digit
    // contract (\\d+ wants a ninth digit) and a login are found, a stranger is a plain miss.
    const exact = await stack.deps.identifyPayer(last8, eight);
    assert.ok(exact.found && exact.customerId === c.id, show(exact));
    await stack.request('PUT', `/v1/customers/${c.id}/identifiers`, { body: { contract: eight, login: c.login } });
    const byLogin = await stack.deps.identifyPayer({ ...last8, kinds: ['contract', 'login'] }, c.login);
    assert.ok(byLogin.found && byLogin.customerId === c.id && byLogin.kind === 'login', show(byLogin));
    assert.deepEqual(await stack.deps.identifyPayer(last8, 'A-1001'), { found: false, reason: 'not_found' });
    const started = performance.now();
    const evil = await stack.deps.identifyPayer(channel({ accountExpression: '^(a+)+$' }), `${'a'.repeat(40)}b`);
    assert.deepEqual(evil, { found: false, reason: 'unavailable' }, 'overrunning the budget is "try later", never a malformed account (OSMP 4 is final)');
    assert.ok(performance.now() - started < 2000);
  });

  it('runs an expression that overran its budget once more: a busy machine is not the payer\'s error', async () => {
    const c = await customer();
    await stack.request('PUT', `/v1/customers/${c.id}/identifiers`, { body: { contract: c.contract } });
    let calls = 0;
    const flaky = createIdentifyPayer({
      pool: stack.pool,
      log: pino({ level: 'silent' }),
      config: stack.config,
      runExpression: (_source, typed) => (++calls === 1 ? { problem: 'timeout' } : { value: typed }),
    });
    const r = await flaky(channel({ kinds: ['contract'], accountExpression: '^(\\d+)$' }), c.contract);
    assert.ok(r.found && r.customerId === c.id, show(r));
    assert.equal(calls, 2);
  });

  it('PUT /balance: decimal strings; the pushed values make the balance and the recommended sum', async () => {
    const c = await customer();
    const before = await stack.deps.identifyPayer(channel(), c.ext);
    assert.ok(before.found);
    assert.deepEqual([before.balanceMinor, before.recommendedMinor, before.active, before.source], [null, null, true, 'pushed'], 'nothing pushed: unknown, never guessed');
    const put = await stack.request('PUT', `/v1/customers/${c.id}/balance`, { body: { balance: '-12.50', currency: 'PLN', active: true, as_of: '2026-12-01T10:00:00Z' } });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(put.json, { customer_id: c.id, balance: '-12.50', currency: 'PLN', active: true, as_of: '2026-12-01T10:00:00.000Z' });
    const r = await stack.deps.identifyPayer(channel(), c.ext);
    assert.ok(r.found);
    assert.deepEqual([r.balanceMinor, r.recommendedMinor, r.currency, r.active, r.source], [-1250n, 1370n, 'PLN', true, 'pushed']);

    const older = await stack.request('PUT', `/v1/customers/${c.id}/balance`, { body: { balance: '5.00', currency: 'PLN', active: false, as_of: '2026-12-01T09:00:00Z' } });
    assert.equal(older.status, 409, 'an older push never overwrites a newer one');
    assert.equal((await stack.request('GET', `/v1/customers/${c.id}/balance`)).json.balance, '-12.50');
    assert.equal((await stack.request('PUT', `/v1/customers/${c.id}/balance`, { body: { balance: -12.5, currency: 'PLN', active: true } })).status, 400, 'a float is refused');
    assert.equal((await stack.request('PUT', `/v1/customers/${c.id}/balance`, { body: { balance: '1.005', currency: 'PLN', active: true } })).status, 400);
    const huge = await stack.request('PUT', `/v1/customers/${c.id}/balance`, { body: { balance: '99999999999999.9999', currency: 'CLF', active: true } });
    assert.equal(huge.status, 200, `the largest accepted balance fits a bigint: ${huge.text}`);
    assert.equal((await stack.request('PUT', `/v1/customers/${c.id}/balance`, { body: { balance: '999999999999999', currency: 'PLN', active: true } })).status, 400);
    const closed = await stack.request('PUT', `/v1/customers/${c.id}/balance`, { body: { balance: '40', currency: 'PLN', active: false } });
    assert.equal(closed.status, 200, closed.text);
    const after = await stack.deps.identifyPayer(channel(), c.ext);
    assert.ok(after.found);
    assert.deepEqual([after.balanceMinor, after.recommendedMinor, after.active], [4000n, 120n, false]);
  });

  it('documents the routes in /openapi.json with their schemas', async () => {
    const doc = await stack.request('GET', '/openapi.json', { key: null });
    assert.ok(doc.json.paths['/v1/customers/{id}/identifiers'].put);
    assert.ok(doc.json.paths['/v1/customers/{id}/identifiers'].get);
    assert.ok(doc.json.paths['/v1/customers/{id}/balance'].put);
    assert.deepEqual(doc.json.components.schemas.CustomerBalanceUpdate.required.sort(), ['active', 'balance', 'currency']);
    assert.equal(doc.json.components.schemas.CustomerBalanceUpdate.properties.balance.type, 'string');
  });

  describe('the lookup hook', () => {
    const SECRET = 'whsec_aXQtbG9va3VwLWhvb2stc2VjcmV0LWZvci10ZXN0cw==';
    const log = pino({ level: 'silent' });

    async function hookAt(handler: (body: any, req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; calls: Array<{ body: any; problem: string | undefined }> }> {
      const calls: Array<{ body: any; problem: string | undefined }> = [];
      const listener: RequestListener = (req, res) => {
        let raw = '';
        req.on('data', (d: Buffer) => (raw += d.toString('utf8')));
        req.on('end', () => {
          const problem = verifyWebhook(SECRET, req.headers as Record<string, string>, raw, Math.floor(Date.now() / 1000), 60);
          const body = JSON.parse(raw);
          calls.push({ body, problem });
          handler(body, req, res);
        });
      };
      const server = createServer(listener);
      servers.push(server);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/lookup`, calls };
    }

    const identifyWith = (url: string, over: { allow?: string; timeoutMs?: number } = {}) =>
      createIdentifyPayer({
        pool: stack.pool,
        log,
        config: {
          ...stack.config,
          LOOKUP_HOOK_URL: url,
          LOOKUP_HOOK_SECRET: SECRET,
          LOOKUP_HOOK_TIMEOUT_MS: over.timeoutMs ?? 2000,
          OUTBOUND_ALLOWED_HOSTS: parseOutboundAllowlist(over.allow ?? '127.0.0.1'),
        },
      });
    const json = (res: ServerResponse, body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));

    it('asks it, signed, for the customer found, and shows its balance and name', async () => {
      const c = await customer();
      await stack.request('PUT', `/v1/customers/${c.id}/identifiers`, { body: { login: c.login } });
      await stack.request('PUT', `/v1/customers/${c.id}/balance`, { body: { balance: '0', currency: 'PLN', active: true } });
      const hook = await hookAt((_b, _req, res) => json(res, { customer: c.ext, name: 'Иван Петров', balance: '-30.00', currency: 'PLN', active: true }));
      const r = await identifyWith(hook.url)(channel(), c.login);
      assert.equal(hook.calls.length, 1);
      assert.equal(hook.calls[0]?.problem, undefined, 'the request verifies under the Standard Webhooks signature');
      assert.deepEqual(hook.calls[0]?.body, { type: 'payer.lookup_requested', data: { channel: 'it-terminal', kind: 'login', kinds: ['contract', 'login', 'phone', 'uid'], identifier: c.login, customer: c.ext } });
      assert.ok(r.found, show(r));
      assert.deepEqual([r.customerId, r.maskedName, r.balanceMinor, r.recommendedMinor, r.source], [c.id, 'Ив** Пе****', -3000n, 3120n, 'hook']);
    });

    it('takes its recommended sum (never below the minimum), and its found: false or an unknown customer as not_found', async () => {
      const c = await customer();
      let answer: unknown = { customer: c.ext, balance: '-1.00', currency: 'PLN', recommended: '0.50' };
      const hook = await hookAt((_b, _req, res) => json(res, answer));
      const identify = identifyWith(hook.url);
      const r = await identify(channel(), c.ext);
      assert.ok(r.found);
      assert.equal(r.recommendedMinor, 100n, 'the channel minimum');
      answer = { found: false };
      assert.deepEqual(await identify(channel(), c.ext), { found: false, reason: 'not_found' });
      answer = { customer: `not-ours-${randomUUID()}`, balance: '1.00', currency: 'PLN' };
      assert.deepEqual(await identify(channel(), c.ext), { found: false, reason: 'not_found' });
    });

    it('a timeout, a bad answer, an HTTP error or an address the outbound rule refuses is unavailable, never a guess', async () => {
      const c = await customer();
      await stack.request('PUT', `/v1/customers/${c.id}/balance`, { body: { balance: '-5', currency: 'PLN', active: true } });
      const unavailable = { found: false, reason: 'unavailable' };
      const silent = await hookAt(() => undefined);
      const started = performance.now();
      assert.deepEqual(await identifyWith(silent.url, { timeoutMs: 300 })(channel(), c.ext), unavailable);
      assert.ok(performance.now() - started < 2000, 'within the timeout');
      const float = await hookAt((_b, _req, res) => json(res, { customer: c.ext, balance: -12.5, currency: 'PLN' }));
      assert.deepEqual(await identifyWith(float.url)(channel(), c.ext), unavailable);
      const broken = await hookAt((_b, _req, res) => res.writeHead(500).end('oops'));
      assert.deepEqual(await identifyWith(broken.url)(channel(), c.ext), unavailable);
      const unlisted = await hookAt((_b, _req, res) => json(res, { customer: c.ext, balance: '1', currency: 'PLN' }));
      assert.deepEqual(await identifyWith(unlisted.url, { allow: '' })(channel(), c.ext), unavailable);
      assert.equal(unlisted.calls.length, 0, 'a loopback hook not in OUTBOUND_ALLOWED_HOSTS is never called');
    });

    it('is asked for an identifier Tollgate does not hold, and its answer names the customer by external_ref', async () => {
      // A customer the billing system created but never pushed identifiers for: only it knows the contract.
      const c = await customer('Ewa Nowak');
      const contract = `C-${randomUUID().slice(0, 8)}`;
      const hook = await hookAt((b, _req, res) => json(res, b.data.identifier === contract ? { customer: c.ext, balance: '-7.00', currency: 'PLN' } : { found: false }));
      const identify = identifyWith(hook.url);
      // The account expression runs first: the hook gets the value after it.
      const r = await identify(channel({ kinds: ['phone', 'contract', 'login'], accountExpression: '^#(.+)$' }), `#${contract}`);
      assert.equal(hook.calls.length, 1);
      assert.equal(hook.calls[0]?.problem, undefined, 'signed as any lookup');
      assert.deepEqual(hook.calls[0]?.body, { type: 'payer.lookup_requested', data: { channel: 'it-terminal', kind: null, kinds: ['phone', 'contract', 'login'], identifier: contract, customer: null } });
      assert.ok(r.found, show(r));
      assert.deepEqual(
        [r.customerId, r.kind, r.foundBy, r.maskedName, r.balanceMinor, r.recommendedMinor, r.currency, r.source],
        [c.id, 'contract', 'hook', 'Ew* No***', -700n, 820n, 'PLN', 'hook'],
        'recorded as the first of the channel\'s kinds the value can be (not a phone), found by the hook',
      );
      assert.deepEqual(await identify(channel(), `nobody-${randomUUID()}`), { found: false, reason: 'not_found' }, 'its found: false is not_found');
    });

    it('on a local miss: a customer that is no Tollgate customer is not_found, a hook down is unavailable', async () => {
      const hook = await hookAt((_b, _req, res) => json(res, { customer: `not-ours-${randomUUID()}`, balance: '1.00', currency: 'PLN' }));
      assert.deepEqual(await identifyWith(hook.url)(channel(), `billing-only-${randomUUID()}`), { found: false, reason: 'not_found' });
      assert.equal(hook.calls.length, 1);
      const broken = await hookAt((_b, _req, res) => res.writeHead(503).end());
      assert.deepEqual(await identifyWith(broken.url)(channel(), `billing-only-${randomUUID()}`), { found: false, reason: 'unavailable' });
      const silent = await hookAt(() => undefined);
      assert.deepEqual(await identifyWith(silent.url, { timeoutMs: 300 })(channel(), `billing-only-${randomUUID()}`), { found: false, reason: 'unavailable' });
    });

    it('a local hit and a local miss are one POST each and, when the hook says found: false, the same answer', async () => {
      const c = await customer();
      await stack.request('PUT', `/v1/customers/${c.id}/identifiers`, { body: { contract: c.contract } });
      const hook = await hookAt((_b, _req, res) => json(res, { found: false }));
      const identify = identifyWith(hook.url);
      const hit = await identify(channel(), c.contract);
      const miss = await identify(channel(), `A-${randomUUID().slice(0, 8)}`);
      assert.deepEqual(hit, miss);
      assert.deepEqual(hit, { found: false, reason: 'not_found' });
      assert.deepEqual(hook.calls.map((k) => k.body.data.customer), [c.ext, null]);
    });
  });
});
