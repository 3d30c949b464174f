import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type ChargeInput, createSubscriptionActivities, type StateWrite } from '../../src/activities/subscriptions.js';
import { claimChargeAttempt } from '../../src/db/charge-attempts.js';
import { insertCustomer } from '../../src/db/customers.js';
import { recordChargeOutcome } from '../../src/db/charge-outcome.js';
import { insertSubscription } from '../../src/db/subscriptions.js';
import { buildGateways } from '../../src/gateways/registry.js';
import { sandboxCharge } from '../../src/gateways/sandbox/recurring.js';
import { ChargeUndecidedError, GatewayTimeoutError, type RecurringGateway } from '../../src/gateways/types.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/**
 * The charge activity's writes, read back from Postgres and the sandbox's books: the key claimed
 * before the gateway, one booking per key, the outcome, its event and the next state written
 * together — and nothing twice when a try is repeated.
 */
describe('subscription charge writes (real Postgres, sandbox books)', () => {
  let stack: TestStack;
  let activities: ReturnType<typeof createSubscriptionActivities>;
  before(async () => {
    stack = await startTestStack({}, { worker: false });
    activities = createSubscriptionActivities({
      pool: stack.pool, gateways: buildGateways(stack.config, { db: stack.pool }), hookSecret: 'unused', hookTimeoutMs: 1000,
      outbound: { allow: stack.config.OUTBOUND_ALLOWED_HOSTS, maxResponseBytes: 1024 },
    });
  });
  after(async () => {
    await stack?.close();
  });

  async function subscription(token: string): Promise<string> {
    const customerId = `cus_${randomUUID()}`;
    await insertCustomer(stack.pool, { id: customerId, externalRef: customerId, name: 'Test', email: null });
    const id = `sub_${randomUUID()}`;
    await insertSubscription(stack.pool, {
      id, customerId, gateway: 'sandbox', mode: 'test', paymentMethod: { token, expires: null }, amountMinor: 2500n, currency: 'EUR',
      schedule: { kind: 'interval', duration: 'P30D' }, timeZone: 'UTC', firstChargeAt: new Date(), endsAt: null, minAmountMinor: null,
      maxAmountMinor: null, retrySchedule: ['PT15M'], period: 0, nextChargeAt: new Date(), firstPaymentId: null,
    });
    return id;
  }

  const next = (id: string, events: StateWrite['events'] = []): StateWrite => ({
    subscriptionId: id, state: 'active', stoppedReason: null, period: 1, nextChargeAt: '2027-01-01T00:00:00.000Z', amountMinor: 2500,
    schedule: { kind: 'interval', duration: 'P30D' }, paymentMethod: { token: 'sandbox_approve', expires: null }, pendingChanges: null, events,
  });
  const input = (id: string, token: string, stateAfterSuccess?: StateWrite): ChargeInput => ({
    subscriptionId: id, period: 0, attempt: 0, amountMinor: 2500, currency: 'EUR', gateway: 'sandbox', token, mode: 'test', amountSource: 'terms',
    ...(stateAfterSuccess ? { stateAfterSuccess } : {}),
  });

  const books = async (id: string) => (await stack.pool.query<{ outcome: string }>({ text: 'SELECT outcome FROM sandbox_ledger WHERE starts_with(idempotency_key, $1)', values: [`${id}:`] })).rows;
  const attempts = async (id: string) => (await stack.pool.query<{ status: string; outcome: string }>({ text: 'SELECT status, outcome FROM charge_attempts WHERE subscription_id = $1', values: [id] })).rows;
  const events = async (id: string) => (await stack.pool.query<{ type: string; payload: Record<string, unknown> }>({ text: 'SELECT type, payload FROM events WHERE aggregate_id = $1 ORDER BY id', values: [id] })).rows;
  const period = async (id: string) => (await stack.pool.query<{ period: number; next_charge_at: Date }>({ text: 'SELECT period, next_charge_at FROM subscriptions WHERE id = $1', values: [id] })).rows[0];

  it('books once, then writes the outcome, its event, the next state and its events in that order; a repeat writes nothing', async () => {
    const id = await subscription('sandbox_approve');
    const state = next(id, [{ type: 'subscription.recovered', payload: { period: 0, attempts: 1 } }]);
    const first = await activities.chargeSubscription(input(id, 'sandbox_approve', state));
    assert.equal(first.outcome, 'success');
    assert.equal(first.outcome === 'success' && first.stateWritten, true);
    assert.deepEqual(await books(id), [{ outcome: 'approved' }]);
    assert.deepEqual(await attempts(id), [{ status: 'succeeded', outcome: 'success' }]);
    assert.deepEqual((await events(id)).map((e) => [e.type, e.payload.subscription_id]), [['subscription.charged', id], ['subscription.recovered', id]]);
    assert.deepEqual(await period(id), { period: 1, next_charge_at: new Date('2027-01-01T00:00:00.000Z') });

    // The same try again (its answer was lost): answered from the attempt row, nothing new anywhere.
    const again = await activities.chargeSubscription(input(id, 'sandbox_approve', state));
    assert.deepEqual(again, first);
    assert.equal((await books(id)).length, 1);
    assert.equal((await events(id)).length, 2);
  });

  it('never sends a charge again once the gateway has it undecided (a debit processing for days): it only asks again', async () => {
    // The sandbox decides every charge at once; a gateway that does not (Stripe's processing
    // intents) is this one: the call's answer is lost, and the status query finds it undecided.
    const sandbox = buildGateways(stack.config, { db: stack.pool }).get('sandbox') as RecurringGateway;
    const sent: string[] = [];
    const undecided: RecurringGateway = {
      ...sandbox,
      charge: async (req) => {
        sent.push(req.idempotencyKey);
        throw new GatewayTimeoutError('the answer was lost');
      },
      chargeStatus: async (key) => {
        throw new ChargeUndecidedError(`${key} is processing`);
      },
    };
    const slow = createSubscriptionActivities({
      pool: stack.pool, gateways: new Map([['sandbox', undecided]]), hookSecret: 'unused', hookTimeoutMs: 1000,
      outbound: { allow: stack.config.OUTBOUND_ALLOWED_HOSTS, maxResponseBytes: 1024 },
    });
    const id = await subscription('sandbox_approve');
    for (let attempt = 0; attempt < 3; attempt++) {
      await assert.rejects(slow.chargeSubscription(input(id, 'sandbox_approve')), (err: Error) => err.message.includes('not decided at the gateway yet'));
    }
    assert.deepEqual(sent, [`${id}:0:0`], 'sent once; every later try only asked');
    assert.deepEqual(await attempts(id), [{ status: 'unknown', outcome: 'unknown' }]);
  });

  it('a try that finds its key claimed answers with the first booking and books nothing more', async () => {
    const id = await subscription('sandbox_approve');
    const key = `${id}:0:0`;
    // An earlier try claimed the key and reached the bank, then died before recording the answer.
    assert.equal(await claimChargeAttempt(stack.pool, { subscriptionId: id, period: 0, attempt: 0, key, amountMinor: 2500n, currency: 'EUR', mode: 'test' }), true);
    assert.equal(await claimChargeAttempt(stack.pool, { subscriptionId: id, period: 0, attempt: 0, key, amountMinor: 2500n, currency: 'EUR', mode: 'test' }), false);
    const booked = await sandboxCharge(stack.pool, { idempotencyKey: key, token: 'sandbox_approve', amountMinor: 2500n, currency: 'EUR', mode: 'test' });
    const result = await activities.chargeSubscription(input(id, 'sandbox_approve', next(id)));
    assert.equal(result.outcome, 'success');
    assert.equal(result.transactionId, booked.transactionId, 'the answer is the first booking');
    assert.equal((await books(id)).length, 1);
    assert.deepEqual(await attempts(id), [{ status: 'succeeded', outcome: 'success' }]);
    assert.equal((await period(id))?.period, 1);
  });

  it('the sandbox answers a repeated key from its books, without the first answer\'s timeout', async () => {
    const id = await subscription('sandbox_timeout_then_succeeded');
    const req = { idempotencyKey: `${id}:0:0`, token: 'sandbox_timeout_then_succeeded', amountMinor: 2500n, currency: 'EUR', mode: 'test' as const };
    await assert.rejects(sandboxCharge(stack.pool, req), GatewayTimeoutError);
    const repeat = await sandboxCharge(stack.pool, req);
    assert.equal(repeat.outcome, 'success');
    assert.deepEqual(await books(id), [{ outcome: 'approved' }]);
  });

  it('an outcome for an attempt another try completed writes nothing', async () => {
    const id = await subscription('sandbox_approve');
    const key = `${id}:0:0`;
    await claimChargeAttempt(stack.pool, { subscriptionId: id, period: 0, attempt: 0, key, amountMinor: 2500n, currency: 'EUR', mode: 'test' });
    const write = (transactionId: string) => recordChargeOutcome(stack.pool, {
      key, subscriptionId: id, status: 'succeeded', outcome: 'success', code: '00', message: 'Approved', transactionId,
      event: {
        type: 'subscription.charged',
        payload: { period: 0, attempt: 0, amount: 2500, currency: 'EUR', outcome: 'success', gateway_code: '00', gateway_message: 'Approved', gateway_transaction_id: transactionId, mode: 'test' },
      },
      next: { state: { state: 'active', stoppedReason: null, period: 1, nextChargeAt: null, amountMinor: 2500n, schedule: {}, paymentMethod: { token: 't', expires: null }, pendingChanges: null }, events: [{ type: 'subscription.updated', payload: { applied: true, period: 1 } }] },
    });
    assert.deepEqual(await write('first'), { completed: true, stateWritten: true });
    assert.deepEqual(await write('second'), { completed: false, stateWritten: false });
    const row = await stack.pool.query<{ gateway_transaction_id: string }>({ text: 'SELECT gateway_transaction_id FROM charge_attempts WHERE idempotency_key = $1', values: [key] });
    assert.equal(row.rows[0]?.gateway_transaction_id, 'first');
    assert.deepEqual((await events(id)).map((e) => e.type), ['subscription.charged', 'subscription.updated']);
  });

  it('a failure completes the attempt and its event but leaves the state to the workflow', async () => {
    const id = await subscription('sandbox_hard_decline');
    const result = await activities.chargeSubscription(input(id, 'sandbox_hard_decline', next(id)));
    assert.equal(result.outcome, 'hard_decline');
    assert.equal(result.outcome === 'hard_decline' && result.stateWritten, false);
    assert.deepEqual(await attempts(id), [{ status: 'failed', outcome: 'hard_decline' }]);
    assert.deepEqual((await events(id)).map((e) => e.type), ['subscription.charge_failed']);
    assert.equal((await period(id))?.period, 0);
  });
});
