import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { pino } from 'pino';
import { createApp } from '../../src/api/create-app.js';
import { callbackDispatcher } from '../../src/api/deps.js';
import { listen } from '../../src/api/server.js';
import { createPool } from '../../src/db/pool.js';
import { createIdentifyPayer } from '../../src/identification/identify.js';
import { maskName } from '../../src/identification/mask.js';
import { parseOutboundAllowlist } from '../../src/outbound/addresses.js';
import { freePort } from '../support/free-port.js';
import { sandboxEntry, writeGatewaysFile } from '../support/gateways-file.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';

/**
 * The OSMP adapter over real HTTP, the real worker, Postgres and Temporal. Addresses are set with
 * X-Forwarded-For from a trusted proxy (the test's own 127.0.0.1). Customers are found by the real
 * identification (src/identification), their identifiers and balances set through the API.
 */
const PASSWORD = 'terminal-basic-password';
const NETWORK_IP = '10.20.0.5';
const TEST_IP = '10.99.0.1';
const networks = [
  {
    name: 'qiwi',
    adapter: 'osmp',
    allowlist: ['10.20.0.0/16'],
    basic_auth: { user: 'qiwi', password: { env: 'QIWI_PASSWORD' } },
    timezone: 'Europe/Moscow',
    currency: 'RUB',
    min_amount: 100,
    max_amount: 1_500_000,
    test_addresses: [`${TEST_IP}/32`],
    test_account: 'will-be-set',
    identification: { identifiers: ['contract', 'login', 'phone', 'uid'] },
  },
  {
    name: 'qiwi_deferred',
    adapter: 'osmp',
    allowlist: ['10.20.0.0/16'],
    timezone: 'Asia/Almaty',
    currency: 'RUB',
    settlement: 'deferred',
    payment_expiration: 5,
    // ABillS's PAYSYS_ACCOUNT_EXPR example: the last 8 digits of what was typed are the contract.
    identification: { identifiers: ['contract', 'login'], account_expression: '^\\d*(\\d{8})$' },
  },
  { name: 'qiwi_closed', adapter: 'osmp', allowlist: [], timezone: 'UTC', currency: 'RUB' },
];

describe('payment terminals (OSMP)', () => {
  let stack: TestStack;
  const testRef = `osmp-test-${randomUUID()}`;
  const auth = `Basic ${Buffer.from(`qiwi:${PASSWORD}`).toString('base64')}`;
  let txn = BigInt(Date.now()) * 1000n;
  const nextTxn = () => (txn += 1n).toString();

  before(async () => {
    const file = writeGatewaysFile([sandboxEntry(), ...networks.map((n) => (n.name === 'qiwi' ? { ...n, test_account: testRef } : n))]);
    stack = await startTestStack({ TOLLGATE_GATEWAYS_FILE: file, QIWI_PASSWORD: PASSWORD, TRUSTED_PROXIES: '127.0.0.1/32' });
    await customer(testRef, 'Test Account');
  });
  after(async () => {
    await stack?.close();
  });

  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join('');
  /** A customer with a contract (8 digits), a login and a phone, all its own. */
  async function customer(ref = `osmp-${randomUUID()}`, name = 'Anna Nowak'): Promise<{ id: string; ref: string; contract: string; login: string; phone: string }> {
    const res = await stack.request('POST', '/v1/customers', { body: { external_ref: ref, name, email: 'anna@example.com' } });
    assert.equal(res.status, 201, res.text);
    const ids = { contract: digits(8), login: `login-${randomUUID().slice(0, 8)}`, phone: `+7 ${digits(3)} ${digits(7)}` };
    const put = await stack.request('PUT', `/v1/customers/${res.json.id}/identifiers`, { body: ids });
    assert.equal(put.status, 200, put.text);
    return { id: res.json.id, ref, ...ids };
  }

  async function osmp(gateway: string, params: Record<string, string>, opts: { ip?: string; auth?: string | null; post?: boolean; baseUrl?: string } = {}) {
    const qs = new URLSearchParams(params).toString();
    const baseUrl = opts.baseUrl ?? stack.baseUrl;
    const headers: Record<string, string> = { 'x-forwarded-for': opts.ip ?? NETWORK_IP };
    const authorization = opts.auth === undefined ? (gateway === 'qiwi' ? auth : null) : opts.auth;
    if (authorization) headers.authorization = authorization;
    const res = opts.post
      ? await fetch(`${baseUrl}/v1/terminals/${gateway}`, { method: 'POST', body: qs, headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' } })
      : await fetch(`${baseUrl}/v1/terminals/${gateway}?${qs}`, { headers });
    const text = await res.text();
    const tag = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];
    return { status: res.status, type: res.headers.get('content-type'), text, result: Number(tag('result')), prvTxn: tag('prv_txn'), sum: tag('sum'), osmpTxnId: tag('osmp_txn_id') };
  }

  const pay = (account: string, sum: string, txnId = nextTxn(), gateway = 'qiwi', opts: Parameters<typeof osmp>[2] = {}) =>
    osmp(gateway, { command: 'pay', txn_id: txnId, txn_date: '20261202101500', account, sum }, opts);
  const journal = async (gateway: string, txnId: string) =>
    (await stack.pool.query<{ outcome: string; outcome_detail: string | null; source_ip: string }>({
      text: `SELECT outcome, outcome_detail, source_ip FROM inbound_requests WHERE channel = 'terminal' AND source = $1 AND (path LIKE $2 OR body LIKE $2) ORDER BY id`,
      values: [gateway, `%txn_id=${txnId}%`],
    })).rows;

  it('is documented in the OpenAPI document, GET and POST', async () => {
    const doc = await stack.request('GET', '/openapi.json', { key: null });
    const path = doc.json.paths['/v1/terminals/{gateway}'];
    assert.ok(path?.get && path?.post);
    assert.ok(path.get.responses['200'].content['text/xml']);
  });

  it('checks accounts found by each identifier kind and through an account expression, in the protocol\'s XML', async () => {
    const c = await customer();
    const txnId = nextTxn();
    const res = await osmp('qiwi', { command: 'check', txn_id: txnId, account: c.contract, sum: '10.45' });
    assert.equal(res.status, 200);
    assert.equal(res.type, 'text/xml; charset=utf-8');
    assert.match(res.text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<response>/);
    assert.deepEqual([res.osmpTxnId, res.result], [txnId, 0]);
    // The payer sees the masked name (FIO_HIDDEN), never the whole; no balance was told, so none.
    assert.match(res.text, new RegExp(`<fields>\\n    <field1 name="fio">${maskName('Anna Nowak').replace(/\*/g, '\\*')}</field1>\\n  </fields>`));
    assert.doesNotMatch(res.text, /Nowak/);
    assert.deepEqual((await journal('qiwi', txnId)).map((r) => r.outcome), ['delivered'], 'journaled, answered');
    for (const account of [c.login, c.phone, c.phone.replace(/\D/g, ''), c.ref]) {
      assert.equal((await osmp('qiwi', { command: 'check', txn_id: nextTxn(), account, sum: '10.45' })).result, 0, account);
    }
    const post = await osmp('qiwi', { command: 'check', txn_id: nextTxn(), account: c.login, sum: '10.45' }, { post: true });
    assert.equal(post.result, 0, 'a form-encoded POST works the same');
    const expressed = await osmp('qiwi_deferred', { command: 'check', txn_id: nextTxn(), account: `4400${c.contract}`, sum: '10.45' });
    assert.equal(expressed.result, 0, 'the last 8 digits are the contract');
    // What the expression does not fit is looked up as typed (ABillS's _expr): a login is still a login.
    assert.equal((await osmp('qiwi_deferred', { command: 'check', txn_id: nextTxn(), account: c.login, sum: '10.45' })).result, 0, 'no 8 digits: the login as typed');
  });

  it('refuses wrong formats (4), unknown (5), inactive (79) accounts and sums out of bounds (241/242)', async () => {
    const c = await customer();
    const inactive = await customer(undefined, 'Inactive Customer');
    const pushed = await stack.request('PUT', `/v1/customers/${inactive.id}/balance`, { body: { balance: '-120.00', currency: 'RUB', active: false } });
    assert.equal(pushed.status, 200, pushed.text);
    const euro = await customer();
    assert.equal((await stack.request('PUT', `/v1/customers/${euro.id}/balance`, { body: { balance: '0.00', currency: 'EUR', active: true } })).status, 200);
    const check = async (account: string, sum: string, gateway = 'qiwi') => (await osmp(gateway, { command: 'check', txn_id: nextTxn(), account, sum })).result;
    assert.equal(await check('not-eight-digits', '10.00', 'qiwi_deferred'), 5, 'not fitting the expression: looked up as typed, and missed');
    assert.equal(await check(`${'x'.repeat(101)}`, '10.00'), 4, 'longer than any account');
    assert.equal(await check(euro.ref, '10.00'), 7, 'an account kept in another currency');
    assert.equal(await check(`nobody-${randomUUID()}`, '10.00'), 5);
    assert.equal(await check(inactive.ref, '10.00'), 79);
    assert.equal(await check(c.ref, '0.99'), 241);
    assert.equal(await check(c.ref, '15000.01'), 242);
    assert.equal(await check(c.ref, '99999999999999999999.00'), 242, 'a well-formed sum however large is too large, not malformed');
    assert.equal(await check(c.ref, '10,45'), 300, 'a comma is not the protocol\'s separator');
    // A pay check would refuse is refused the same way, and pays nothing.
    assert.equal((await pay(c.ref, '0.99')).result, 241);
    assert.equal((await pay(inactive.contract, '10.00')).result, 79);
    assert.equal((await pay(`nobody-${randomUUID()}`, '10.00')).result, 5);
    const payments = await stack.pool.query('SELECT 1 FROM payments WHERE customer_id = ANY($1)', [[c.id, inactive.id]]);
    assert.equal(payments.rowCount, 0);
  });

  it('pays once: the payment is succeeded when result 0 is answered, without a workflow; a repeat answers the same prv_txn', async () => {
    const c = await customer();
    const txnId = nextTxn();
    const first = await pay(c.phone, '150.50', txnId);
    assert.deepEqual([first.result, first.sum, first.osmpTxnId], [0, '150.50', txnId]);
    assert.match(first.prvTxn ?? '', /^[0-9]+$/);
    const row = (await stack.pool.query('SELECT * FROM terminal_transactions WHERE gateway = $1 AND txn_id = $2', ['qiwi', txnId])).rows[0];
    assert.equal(row.customer_id, c.id);
    assert.equal(row.account_kind, 'phone');
    assert.equal(row.sum_minor, 15050n);
    assert.equal(row.mode, 'live');
    assert.equal(row.txn_date_local, '20261202101500');
    assert.equal((row.txn_at as Date).toISOString(), '2026-12-02T07:15:00.000Z', 'Moscow is UTC+3');
    // An immediately settled network's payment is completed in the pay's own transaction: read at
    // once, with no wait, it is succeeded, its journal row delivered, and no workflow was started.
    const payment = (await stack.request('GET', `/v1/payments/${row.payment_id}`)).json;
    assert.equal(payment.status, 'succeeded');
    assert.deepEqual((await journal('qiwi', txnId)).map((r) => [r.outcome, r.outcome_detail]), [['delivered', `pay: prv_txn ${first.prvTxn}, payment succeeded`]]);
    await assert.rejects(stack.deps.temporal.workflow.getHandle(`payment:${row.payment_id}`).describe(), (err: Error) => err.name === 'WorkflowNotFoundError');
    assert.equal(payment.reference, txnId, 'the txn_id is the reference a statement line carries');
    assert.equal(payment.gateway, 'qiwi');
    const events = await stack.pool.query<{ type: string }>({ text: 'SELECT type FROM events WHERE aggregate_id = $1 ORDER BY id', values: [row.payment_id] });
    assert.deepEqual(events.rows.map((e) => e.type), ['payment.created', 'payment.succeeded']);

    const again = await pay(c.phone, '150.50', txnId);
    assert.deepEqual([again.result, again.prvTxn, again.sum], [0, first.prvTxn, '150.50']);
    const zeroed = await pay(c.phone, '150.50', `000${txnId}`);
    assert.equal(zeroed.prvTxn, first.prvTxn, 'leading zeros name the same txn_id');
    const payments = await stack.pool.query('SELECT id FROM payments WHERE customer_id = $1', [c.id]);
    assert.equal(payments.rowCount, 1, 'nothing doubled in the ledger');
    assert.deepEqual((await journal('qiwi', txnId)).map((r) => r.outcome), ['delivered', 'duplicate'], 'the first delivered, the repeat a duplicate');
  });

  it('lists the pays and the journal for an operator (what became of txn_id …), and counts answers in /metrics', async () => {
    const c = await customer();
    const txnId = nextTxn();
    const paid = await pay(c.contract, '25.00', txnId);
    assert.equal(paid.result, 0);
    assert.equal((await pay(c.contract, '25.00', txnId)).result, 0, 'a repeat');
    const refusedTxn = nextTxn();
    assert.equal((await pay(`nobody-${randomUUID()}`, '25.00', refusedTxn)).result, 5);

    const found = await stack.request('GET', `/v1/terminal-transactions?network=qiwi&txn_id=000${txnId}`);
    assert.equal(found.status, 200, found.text);
    assert.equal(found.json.data.length, 1, 'one pay for the txn_id and its repeat; leading zeros name the same txn_id');
    const [t] = found.json.data;
    assert.deepEqual(
      [t.prv_txn, t.network, t.txn_id, t.account, t.account_kind, t.customer_id, t.amount, t.currency, t.mode, t.txn_date, t.txn_at],
      [paid.prvTxn, 'qiwi', txnId, c.contract, 'contract', c.id, 2500, 'RUB', 'live', '20261202101500', '2026-12-02T07:15:00.000Z'],
    );
    assert.match(t.payment_id, /^pay_/);
    assert.equal((await stack.request('GET', `/v1/terminal-transactions?network=qiwi&txn_id=${refusedTxn}`)).json.data.length, 0, 'a refused pay is not a transaction');
    assert.equal((await stack.request('GET', `/v1/terminal-transactions?customer_id=${c.id}`)).json.data.length, 1);
    assert.equal((await stack.request('GET', '/v1/terminal-transactions?network=qiwi&txn_id=12x')).status, 400);
    assert.equal((await stack.request('GET', `/v1/terminal-transactions?txn_id=${txnId}`)).status, 400, 'a txn_id names a pay only within its network');

    // The journal: the pay, its repeat and the refusal, newest first, each with how it was answered.
    const journaled = await stack.request('GET', '/v1/terminal-requests?network=qiwi&limit=500');
    assert.equal(journaled.status, 200, journaled.text);
    const mine = journaled.json.data.filter((r: { path: string }) => r.path.includes(`txn_id=${txnId}`) || r.path.includes(`txn_id=${refusedTxn}`));
    assert.deepEqual(
      mine.map((r: { outcome: string; outcome_detail: string }) => [r.outcome, r.outcome_detail.replace(/prv_txn \d+/, 'prv_txn N').replace(/payment pay_[A-Za-z0-9_-]+/, 'payment P')]),
      [
        ['delivered', 'pay: result 5 (account not found)'],
        ['duplicate', `repeat of qiwi txn_id ${txnId}: prv_txn N, payment P`],
        ['delivered', 'pay: prv_txn N, payment succeeded'],
      ],
    );
    assert.equal(t.request_id, mine[2].id, 'the transaction names the request that paid it');
    assert.equal(mine[2].network, 'qiwi');
    assert.doesNotMatch(JSON.stringify(mine), new RegExp(PASSWORD), 'credentials are redacted');
    // Paging: a page of one, then the next one from its cursor.
    const first = await stack.request('GET', '/v1/terminal-requests?network=qiwi&limit=1');
    const second = await stack.request('GET', `/v1/terminal-requests?network=qiwi&limit=1&cursor=${first.json.next_cursor}`);
    assert.ok(second.json.data[0].id < first.json.data[0].id);

    // Who may read them: the journal is admin's, the transactions any key's; nobody without one.
    const read = await stack.request('POST', '/v1/api-keys', { body: { name: 'read', scopes: ['read'] } });
    assert.equal(read.status, 201, read.text);
    assert.equal((await stack.request('GET', '/v1/terminal-requests', { key: read.json.key })).status, 403);
    assert.equal((await stack.request('GET', '/v1/terminal-transactions', { key: read.json.key })).status, 200);
    assert.equal((await stack.request('GET', '/v1/terminal-requests', { key: null })).status, 401);
    assert.equal((await stack.request('GET', '/v1/terminal-transactions', { key: null })).status, 401);

    const metrics = (await stack.request('GET', '/metrics', { key: null })).text;
    const counted = (labels: string) => Number(new RegExp(`^tollgate_terminal_answers_total\\{${labels}\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? 0);
    assert.ok(counted('network="qiwi",command="pay",result="0"') >= 2, metrics.split('\n').filter((l) => l.includes('terminal')).join('\n'));
    assert.ok(counted('network="qiwi",command="pay",result="5"') >= 1);
  });

  it('refuses a "repeat" with another sum or account (300), journaled, paying nothing', async () => {
    const c = await customer();
    const other = await customer();
    const txnId = nextTxn();
    assert.equal((await pay(c.contract, '30.00', txnId)).result, 0);
    const sum = await pay(c.contract, '300.00', txnId);
    assert.deepEqual([sum.status, sum.result, sum.prvTxn], [200, 300, undefined]);
    assert.match(sum.text, new RegExp(`txn_id ${txnId} was used for another payment`));
    const account = await pay(other.contract, '30.00', txnId);
    assert.deepEqual([account.result, account.prvTxn], [300, undefined]);
    const rows = await journal('qiwi', txnId);
    assert.deepEqual(rows.slice(1).map((r) => r.outcome), ['rejected_malformed', 'rejected_malformed']);
    assert.match(rows[1]?.outcome_detail ?? '', /sum 300\.00, stored 30\.00/);
    assert.match(rows[2]?.outcome_detail ?? '', /another account/);
    const payments = await stack.pool.query<{ customer_id: string }>('SELECT customer_id FROM payments WHERE customer_id = ANY($1)', [[c.id, other.id]]);
    assert.deepEqual(payments.rows.map((p) => p.customer_id), [c.id], 'one payment, the first');
  });

  it('pays a live pay whose txn_id a test address used: test and live txn_ids are apart', async () => {
    const c = await customer();
    const txnId = nextTxn();
    const test = await pay(c.ref, '12.00', txnId, 'qiwi', { ip: TEST_IP });
    assert.equal(test.result, 0);
    const live = await pay(c.ref, '12.00', txnId);
    assert.equal(live.result, 0);
    assert.notEqual(live.prvTxn, test.prvTxn, 'a payment of its own, not the test one repeated');
    const rows = await stack.pool.query<{ mode: string; customer_id: string }>('SELECT mode, customer_id FROM terminal_transactions WHERE gateway = $1 AND txn_id = $2 ORDER BY prv_txn', ['qiwi', txnId]);
    assert.deepEqual(rows.rows.map((r) => [r.mode, r.customer_id === c.id]), [['test', false], ['live', true]]);
    const live2 = await pay(c.ref, '12.00', txnId);
    assert.equal(live2.prvTxn, live.prvTxn, 'the live pay repeats as itself');
    assert.equal((await stack.pool.query('SELECT 1 FROM payments WHERE customer_id = $1', [c.id])).rowCount, 1);
    // The live payment, not the test one that came first, carries the txn_id its statement line will.
    const refs = await stack.pool.query<{ mode: string; reference: string }>({
      text: 'SELECT p.mode, p.reference FROM payments p JOIN terminal_transactions t ON t.payment_id = p.id WHERE t.gateway = $1 AND t.txn_id = $2 ORDER BY t.prv_txn',
      values: ['qiwi', txnId],
    });
    assert.equal(refs.rows[0]?.mode, 'test');
    assert.notEqual(refs.rows[0]?.reference, txnId, 'a test pay gets a fresh reference');
    assert.deepEqual(refs.rows[1], { mode: 'live', reference: txnId });
  });

  it('takes concurrent repeats of one pay as one payment', async () => {
    const c = await customer();
    const txnId = nextTxn();
    const answers = await Promise.all(Array.from({ length: 6 }, () => pay(c.ref, '20.00', txnId)));
    assert.deepEqual(new Set(answers.map((a) => `${a.result}/${a.prvTxn}`)).size, 1);
    assert.equal(answers[0]?.result, 0);
    assert.equal((await stack.pool.query('SELECT 1 FROM payments WHERE customer_id = $1', [c.id])).rowCount, 1);
  });

  it('refuses foreign addresses, an empty allowlist, unknown networks and bad credentials in the protocol (HTTP 200), journaled apart', async () => {
    const c = await customer();
    // The provider protocol answers every request with its XML and the outcome in <result>.
    const foreign = await osmp('qiwi', { command: 'check', txn_id: nextTxn(), account: c.ref }, { ip: '192.0.2.7' });
    assert.deepEqual([foreign.status, foreign.result, foreign.type], [200, 300, 'text/xml; charset=utf-8']);
    assert.match(foreign.text, /Unknown payment system/);
    const closedTxn = nextTxn();
    const closed = await osmp('qiwi_closed', { command: 'check', txn_id: closedTxn, account: c.ref });
    assert.deepEqual([closed.status, closed.result], [200, 300]);
    assert.deepEqual((await journal('qiwi_closed', closedTxn)).map((r) => [r.outcome, r.source_ip]), [['rejected_source', NETWORK_IP]]);
    const nope = await osmp('nope', { command: 'check', txn_id: nextTxn(), account: c.ref });
    assert.deepEqual([nope.status, nope.result], [200, 300]);
    // No Authorization at all: the Basic challenge, so a client that waits for one sends its credentials.
    const noAuthTxn = nextTxn();
    const noAuth = await fetch(`${stack.baseUrl}/v1/terminals/qiwi?${new URLSearchParams({ command: 'pay', txn_id: noAuthTxn, txn_date: '20261202101500', account: c.ref, sum: '10.00' }).toString()}`, { headers: { 'x-forwarded-for': NETWORK_IP } });
    assert.equal(noAuth.status, 401);
    assert.match(noAuth.headers.get('www-authenticate') ?? '', /^Basic realm="qiwi"/);
    assert.match(await noAuth.text(), /<result>7<\/result>/);
    const wrongTxn = nextTxn();
    const wrong = await pay(c.ref, '10.00', wrongTxn, 'qiwi', { auth: `Basic ${Buffer.from('qiwi:guess').toString('base64')}` });
    assert.deepEqual([wrong.status, wrong.result], [200, 7]);
    assert.deepEqual((await journal('qiwi', noAuthTxn)).map((r) => r.outcome), ['rejected_signature']);
    assert.deepEqual((await journal('qiwi', wrongTxn)).map((r) => [r.outcome, r.outcome_detail]), [['rejected_signature', 'result 7: HTTP Basic credentials missing or wrong']]);
    const big = await fetch(`${stack.baseUrl}/v1/terminals/qiwi`, {
      method: 'POST',
      body: `command=check&txn_id=1&account=${'9'.repeat(9000)}`,
      headers: { 'x-forwarded-for': NETWORK_IP, authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(big.status, 200);
    assert.match(await big.text(), /<result>300<\/result>/);
    assert.equal((await stack.pool.query('SELECT 1 FROM payments WHERE customer_id = $1', [c.id])).rowCount, 0);
  });

  it('journals only the protocol\'s parameter values: a secret for an unknown network or under an encoded name is redacted', async () => {
    const rows = async (source: string, txnId: string) =>
      (await stack.pool.query<{ path: string; body: string }>({
        text: `SELECT path, body FROM inbound_requests WHERE channel = 'terminal' AND source = $1 AND (path LIKE $2 OR body LIKE $2) ORDER BY id`,
        values: [source, `%txn_id=${txnId}%`],
      })).rows;
    const unknownTxn = nextTxn();
    await fetch(`${stack.baseUrl}/v1/terminals/nope?command=check&txn_id=${unknownTxn}&account=42&%73ecret=top-secret-1`, { headers: { 'x-forwarded-for': NETWORK_IP } });
    assert.deepEqual(await rows('nope', unknownTxn), [{ path: `/v1/terminals/nope?command=check&txn_id=${unknownTxn}&account=42&%73ecret=[redacted]`, body: '' }]);
    const formTxn = nextTxn();
    const form = await osmp('qiwi', { command: 'check', txn_id: formTxn, account: 'nobody', token: 'top-secret-2' }, { post: true });
    assert.equal(form.status, 200);
    assert.deepEqual(await rows('qiwi', formTxn), [{ path: '/v1/terminals/qiwi', body: `command=check&txn_id=${formTxn}&account=nobody&token=[redacted]` }]);
  });

  it('a test address runs in test mode and pays into the test account', async () => {
    const c = await customer();
    const txnId = nextTxn();
    const res = await pay(c.ref, '12.00', txnId, 'qiwi', { ip: TEST_IP });
    assert.equal(res.result, 0);
    const row = (await stack.pool.query('SELECT t.mode, t.customer_id, p.mode AS payment_mode FROM terminal_transactions t JOIN payments p ON p.id = t.payment_id WHERE t.gateway = $1 AND t.txn_id = $2', ['qiwi', txnId])).rows[0];
    const testCustomer = (await stack.pool.query('SELECT id FROM customers WHERE external_ref = $1', [testRef])).rows[0];
    assert.deepEqual([row.mode, row.payment_mode, row.customer_id], ['test', 'test', testCustomer.id]);
  });

  it('a deferred network\'s pay opens a temporary payment', async () => {
    const c = await customer();
    const txnId = nextTxn();
    const res = await pay(`99${c.contract}`, '30.00', txnId, 'qiwi_deferred');
    assert.equal(res.result, 0);
    const t = await waitFor('the temporary payment', async () => {
      const r = await stack.pool.query<{ status: string; reference: string; amount_minor: bigint }>({
        text: `SELECT tp.status, tp.reference, tp.amount_minor FROM temporary_payments tp JOIN terminal_transactions t ON t.payment_id = tp.payment_id WHERE t.gateway = 'qiwi_deferred' AND t.txn_id = $1`,
        values: [txnId],
      });
      return r.rows[0];
    });
    assert.deepEqual([t.status, t.reference, t.amount_minor], ['open', txnId, 3000n]);
  });

  it('pays while Temporal is unreachable from the answering process: the relay starts the payment later', async () => {
    // This app's dispatcher talks to a Temporal that is not there; the stack's relay (the real one) takes over.
    const nowhere = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${await freePort()}` }) });
    const app = createApp({ ...stack.deps, callbackDispatch: callbackDispatcher({ ...stack.deps, temporal: nowhere }, stack.deps.deliveryMarks) });
    const server = await new Promise<ReturnType<typeof listen>>((resolve) => {
      const s = listen(app.fetch, 0, '127.0.0.1', () => resolve(s));
    });
    try {
      const c = await customer();
      const txnId = nextTxn();
      const qs = new URLSearchParams({ command: 'pay', txn_id: txnId, txn_date: '20261202101500', account: c.contract, sum: '44.00' });
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/terminals/qiwi?${qs.toString()}`, { headers: { 'x-forwarded-for': NETWORK_IP, authorization: auth } });
      assert.match(await res.text(), /<result>0<\/result>/, 'committed in Postgres: the pay is taken');
      const paymentId = (await stack.pool.query('SELECT payment_id FROM terminal_transactions WHERE gateway = $1 AND txn_id = $2', ['qiwi', txnId])).rows[0].payment_id as string;
      await waitFor('the relay to start the payment with its success', async () => ((await stack.request('GET', `/v1/payments/${paymentId}`)).json?.status === 'succeeded' ? true : undefined), 30_000);
      const events = await stack.pool.query<{ type: string }>({ text: 'SELECT type FROM events WHERE aggregate_id = $1 ORDER BY id', values: [paymentId] });
      assert.deepEqual(events.rows.map((e) => e.type), ['payment.created', 'payment.succeeded']);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await nowhere.connection.close().catch(() => undefined);
    }
  });

  describe('with a lookup hook', () => {
    // The same app and identification as the stack's, with LOOKUP_HOOK_URL pointing at a billing system of the test's own.
    const answers = new Map<string, (res: ServerResponse) => void>();
    const hookCalls: Array<{ kind: unknown; identifier: unknown; customer: unknown }> = [];
    const hook = createServer((req, res) => {
      let raw = '';
      req.on('data', (d: Buffer) => (raw += d.toString('utf8')));
      req.on('end', () => {
        const data = (JSON.parse(raw) as { data: { kind: unknown; identifier: string; customer: unknown } }).data;
        hookCalls.push({ kind: data.kind, identifier: data.identifier, customer: data.customer });
        (answers.get(data.identifier) ?? ((r) => r.writeHead(200, { 'content-type': 'application/json' }).end('{"found": false}')))(res);
      });
    });
    let app: ReturnType<typeof listen>;
    let baseUrl = '';
    const answer = (body: unknown) => (res: ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));

    before(async () => {
      await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
      const identifyPayer = createIdentifyPayer({
        pool: stack.pool,
        log: pino({ level: 'silent' }),
        config: {
          ...stack.config,
          LOOKUP_HOOK_URL: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/lookup`,
          LOOKUP_HOOK_TIMEOUT_MS: 1000,
          OUTBOUND_ALLOWED_HOSTS: parseOutboundAllowlist('127.0.0.1'),
        },
      });
      app = await new Promise<ReturnType<typeof listen>>((resolve) => {
        const s = listen(createApp({ ...stack.deps, identifyPayer }).fetch, 0, '127.0.0.1', () => resolve(s));
      });
      baseUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
    });
    after(async () => {
      await new Promise<void>((resolve) => (app ? app.close(() => resolve()) : resolve()));
      hook.close();
    });

    it('checks and pays an account only the billing system knows, for the customer whose external_ref it names', async () => {
      // A customer Tollgate has (by its external_ref) but whose contract the billing system never pushed.
      const res = await stack.request('POST', '/v1/customers', { body: { external_ref: `osmp-hook-${randomUUID()}`, name: 'Olga Berg' } });
      assert.equal(res.status, 201, res.text);
      const account = `B-${randomUUID().slice(0, 8)}`;
      answers.set(account, answer({ customer: res.json.external_ref, balance: '-25.00', currency: 'RUB' }));
      const check = await osmp('qiwi', { command: 'check', txn_id: nextTxn(), account, sum: '25.00' }, { baseUrl });
      assert.equal(check.result, 0, check.text);
      assert.match(check.text, new RegExp(`<field1 name="fio">${maskName('Olga Berg').replace(/\*/g, '\\*')}</field1>`));
      assert.match(check.text, /<field2 name="balance">-25\.00<\/field2>/);
      const txnId = nextTxn();
      const paid = await pay(account, '25.00', txnId, 'qiwi', { baseUrl });
      assert.equal(paid.result, 0, paid.text);
      const row = (await stack.pool.query('SELECT customer_id, account, account_kind, payment_id FROM terminal_transactions WHERE gateway = $1 AND txn_id = $2', ['qiwi', txnId])).rows[0];
      assert.deepEqual([row.customer_id, row.account, row.account_kind], [res.json.id, account, 'contract'], "recorded under the channel's first kind");
      const payment = await waitFor('the payment to succeed', async () => {
        const p = await stack.request('GET', `/v1/payments/${row.payment_id}`);
        return p.json?.status === 'succeeded' ? p.json : undefined;
      });
      assert.deepEqual([payment.customer_id, payment.amount], [res.json.id, 2500], 'minor units');
      assert.deepEqual(hookCalls.filter((k) => k.identifier === account), Array(2).fill({ kind: null, identifier: account, customer: null }), 'asked once a request, as a miss');
      assert.match((await journal('qiwi', txnId))[0]?.outcome_detail ?? '', /^pay: prv_txn/);
    });

    it('answers 5 when the hook names no Tollgate customer, 243 when it is down, and pays nothing', async () => {
      const stranger = `S-${randomUUID().slice(0, 8)}`;
      answers.set(stranger, answer({ customer: `billing-only-${randomUUID()}`, balance: '0.00', currency: 'RUB' }));
      const down = `D-${randomUUID().slice(0, 8)}`;
      answers.set(down, (res) => res.writeHead(502).end());
      assert.equal((await osmp('qiwi', { command: 'check', txn_id: nextTxn(), account: stranger, sum: '10.00' }, { baseUrl })).result, 5);
      assert.equal((await osmp('qiwi', { command: 'check', txn_id: nextTxn(), account: down, sum: '10.00' }, { baseUrl })).result, 243);
      const unpaid = [nextTxn(), nextTxn()];
      assert.equal((await pay(stranger, '10.00', unpaid[0], 'qiwi', { baseUrl })).result, 5);
      assert.equal((await pay(down, '10.00', unpaid[1], 'qiwi', { baseUrl })).result, 243);
      const rows = await stack.pool.query('SELECT 1 FROM terminal_transactions WHERE gateway = $1 AND txn_id = ANY($2)', ['qiwi', unpaid]);
      assert.equal(rows.rowCount, 0);
    });
  });

  it('answers result 1 (retry) when Postgres is down, and pays nothing', async () => {
    const down = createPool(`postgres://tollgate:tollgate@127.0.0.1:${await freePort()}/gone`, 1);
    const app = createApp({ ...stack.deps, pool: down });
    const server = await new Promise<ReturnType<typeof listen>>((resolve) => {
      const s = listen(app.fetch, 0, '127.0.0.1', () => resolve(s));
    });
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const c = await customer();
      const qs = new URLSearchParams({ command: 'pay', txn_id: nextTxn(), txn_date: '20261202101500', account: c.ref, sum: '10.00' });
      const res = await fetch(`${url}/v1/terminals/qiwi?${qs.toString()}`, { headers: { 'x-forwarded-for': NETWORK_IP, authorization: auth } });
      const text = await res.text();
      assert.equal(res.status, 200);
      assert.match(text, /<result>1<\/result>/);
      assert.doesNotMatch(text, /ECONNREFUSED|127\.0\.0\.1/, 'no internals leak');
      assert.equal((await stack.pool.query('SELECT 1 FROM payments WHERE customer_id = $1', [c.id])).rowCount, 0);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await down.end();
    }
  });
});
