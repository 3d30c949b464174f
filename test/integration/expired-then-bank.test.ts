import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { writeGatewaysFile } from '../support/gateways-file.js';
import { createCustomer } from '../support/fixtures.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';
import { byVersion } from '../support/event-order.js';

/**
 * BillTech's temporary payment paid by the bank after it expired: the line is matched to it, the
 * bank confirms the expiry (settled_reason bank, history bank_confirmed, event), and every
 * settlement — expired or bank — can be reopened by hand, with history.
 */
describe('a bank line after the expiry (dev server, real worker, real Postgres)', () => {
  let stack: TestStack;
  before(async () => {
    const deferred = {
      name: 'sandbox_deferred', adapter: 'sandbox', mode: 'test', settlement: 'deferred', payment_expiration: 'PT2S',
      secrets: { test: { env: 'SANDBOX_WEBHOOK_SECRET' }, live: { env: 'SANDBOX_LIVE_WEBHOOK_SECRET' } }, min_amount: 100, payment_ttl: 'PT1H',
    };
    stack = await startTestStack({ TOLLGATE_GATEWAYS_FILE: writeGatewaysFile([deferred]) });
  });
  after(async () => {
    await stack?.close();
  });

  const tmp = async (id: string) => (await stack.request('GET', `/v1/temporary-payments/${id}`)).json;
  const settledAs = (id: string, reason: string) =>
    waitFor(`temporary payment ${id} settled (${reason})`, async () => {
      const t = await tmp(id);
      return t.status === 'settled' && t.settled_reason === reason ? t : undefined;
    });
  // In aggregate_version order, the one the feed promises for one aggregate (its own is by writing transaction).
  const events = async (id: string) => byVersion((await stack.request('GET', `/v1/events?after=0&aggregate_id=${id}`)).json.data);

  async function expiredTemporary(customerId: string, amount: number) {
    const p = await stack.request('POST', '/v1/payments', { body: { customer_id: customerId, amount, currency: 'PLN', gateway: 'sandbox_deferred' } });
    assert.equal(p.status, 201, p.text);
    await stack.request('POST', `/sandbox/checkout/${p.json.id}/approve`, { key: null });
    const t = await waitFor('the temporary payment', async () => {
      const list = await stack.request('GET', `/v1/temporary-payments?customer_id=${customerId}`);
      return list.json.data.find((x: { payment_id: string }) => x.payment_id === p.json.id) as { id: string; reference: string } | undefined;
    });
    await settledAs(t.id, 'expired');
    return t;
  }

  async function statementPaying(reference: string, amount: string) {
    const tag = randomUUID().slice(0, 8);
    const body = [
      `:20:STMT-${tag}`, ':25:PL61109010140000071219812874', ':28C:1/1', ':60F:C261127PLN0,00',
      `:61:2611271127C${amount}NTRFNONREF//BANK-${tag}`, `:86:Internet grudzien, tytul ${reference}`, `:62F:C261127PLN${amount}`, '-',
    ].join('\n');
    const res = await stack.request('POST', '/v1/bank-statements', { raw: body, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(res.status, 201, res.text);
    return waitFor('the import to finish', async () => {
      const s = await stack.request('GET', `/v1/bank-statements/${res.json.id}`);
      return s.json.status === 'done' ? s.json : undefined;
    });
  }

  it('links the late line to the expired temporary payment, records bank_confirmed with an event, and reopens the bank settlement by hand', async () => {
    const customer = await createCustomer(stack);
    const t = await expiredTemporary(customer.id, 4900);

    const statement = await statementPaying(t.reference, '49,00');
    const line = statement.lines[0];
    assert.equal(line.outcome, 'matched', JSON.stringify(line));
    assert.equal(line.matched.temporary_payment_id, t.id);
    const confirmed = await settledAs(t.id, 'bank');
    assert.equal(confirmed.bank_line_id, line.id);
    assert.deepEqual(confirmed.history.map((h: { action: string }) => h.action), ['created', 'settled', 'bank_confirmed']);
    assert.equal(confirmed.history[2].bank_line_id, line.id);
    assert.deepEqual(await events(t.id), ['temporary_payment.created', 'temporary_payment.settled', 'temporary_payment.bank_confirmed']);

    // Fully reversible: the bank settlement is reopened by hand; its line is free to pair again.
    const reopened = await stack.request('POST', `/v1/temporary-payments/${t.id}/unsettle`, { body: { note: 'wrong customer' } });
    assert.equal(reopened.status, 200, reopened.text);
    assert.equal(reopened.json.status, 'open');
    assert.ok(reopened.json.expires_at, 'the expiry clock runs again');
    const freed = (await stack.request('GET', `/v1/bank-statements/${statement.id}`)).json.lines[0];
    assert.equal(freed.outcome, 'not_found');
    const history = (await tmp(t.id)).history;
    assert.deepEqual(history.map((h: { action: string }) => h.action), ['created', 'settled', 'bank_confirmed', 'unsettled']);
    assert.match(history[3].reason, /reopened from bank: wrong customer/);
    assert.ok((await events(t.id)).includes('temporary_payment.unsettled'));

    // It expires again on the re-armed clock; then a person pairs the same line by hand.
    await settledAs(t.id, 'expired');
    const paired = await stack.request('POST', `/v1/bank-lines/${line.id}/match`, { body: { temporary_payment_id: t.id } });
    assert.equal(paired.status, 200, paired.text);
    const again = await settledAs(t.id, 'bank');
    assert.equal(again.bank_line_id, line.id);
    assert.equal(again.history.at(-1).action, 'bank_confirmed');
  });

  it('reopens an expired temporary payment by hand, and a line paying a settled-by-bank one is still a duplicate', async () => {
    const customer = await createCustomer(stack);
    const t = await expiredTemporary(customer.id, 1500);
    const reopened = await stack.request('POST', `/v1/temporary-payments/${t.id}/unsettle`);
    assert.equal(reopened.status, 200, reopened.text);
    assert.equal(reopened.json.status, 'open');
    assert.equal((await stack.request('POST', `/v1/temporary-payments/${t.id}/settle`, { body: { note: 'seen in the portal' } })).json.settled_reason, 'manual');
    const history = (await tmp(t.id)).history.map((h: { action: string; reason: string }) => [h.action, h.reason]);
    assert.deepEqual(history.map((h: string[]) => h[0]), ['created', 'settled', 'unsettled', 'settled']);
    assert.match(history[2][1], /reopened from expired/);

    const first = await statementPaying(t.reference, '15,00');
    assert.equal(first.lines[0].outcome, 'matched');
    await settledAs(t.id, 'bank');
    const second = await statementPaying(t.reference, '15,00');
    assert.equal(second.lines[0].outcome, 'duplicate', 'a second transfer does not settle it twice');
  });
});
