import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Stripe from 'stripe';
import { fromStripeAmount, StripeAmountError, toStripeAmount } from '../../src/gateways/stripe/amounts.js';
import { META, outcomeOfSession, sessionExpiry } from '../../src/gateways/stripe/checkout.js';
import { DECLINE_CODE_OUTCOME, declineOutcome, DISPUTE_STATUS_OUTCOME, INTENT_STATUS_VERDICT, REFUND_STATUS_OUTCOME, STRIPE_DECLINE_CODES } from '../../src/gateways/stripe/mapping.js';
import { chargeOffSession, findOffSessionCharge, resultOfError, resultOfIntent } from '../../src/gateways/stripe/recurring.js';
import { ChargeUndecidedError } from '../../src/gateways/types.js';
import { outcomeOfRefund } from '../../src/gateways/stripe/refunds.js';
import { formatToken, parseToken, tokenOfIntent } from '../../src/gateways/stripe/token.js';

/** An error as the client builds it from Stripe's answer (the same factory its request sender uses). */
const stripeError = (raw: Record<string, unknown>) => Stripe.errors.StripeError.generate(raw);

const intent = (over: Partial<Stripe.PaymentIntent>): Stripe.PaymentIntent => ({ id: 'pi_1', object: 'payment_intent', status: 'succeeded', metadata: {}, latest_charge: 'ch_1', last_payment_error: null, cancellation_reason: null, ...over }) as Stripe.PaymentIntent;

describe('the Stripe decline table', () => {
  it('reads funds as soft, lost and stolen cards as hard, processing failures as technical and SCA as action_required', () => {
    assert.equal(declineOutcome('insufficient_funds'), 'soft_decline');
    assert.equal(declineOutcome('card_velocity_exceeded'), 'soft_decline');
    assert.equal(declineOutcome('lost_card'), 'hard_decline');
    assert.equal(declineOutcome('stolen_card'), 'hard_decline');
    assert.equal(declineOutcome('expired_card'), 'hard_decline');
    assert.equal(declineOutcome('fraudulent'), 'hard_decline');
    assert.equal(declineOutcome('processing_error'), 'technical_error');
    assert.equal(declineOutcome('issuer_not_available'), 'technical_error');
    assert.equal(declineOutcome('authentication_required'), 'action_required');
  });

  it('names every listed code once, and reads a code newer than the table as Stripe’s generic_decline (soft), never as a stop', () => {
    assert.deepEqual(Object.keys(DECLINE_CODE_OUTCOME).sort(), [...STRIPE_DECLINE_CODES].sort());
    assert.equal(new Set(STRIPE_DECLINE_CODES).size, STRIPE_DECLINE_CODES.length);
    assert.equal(declineOutcome('some_code_from_2030'), 'soft_decline');
    assert.equal(declineOutcome(undefined), 'soft_decline');
    assert.equal(declineOutcome('constructor'), 'soft_decline', 'an inherited property name is no table row');
  });
});

describe('the Stripe status tables', () => {
  it('maps every PaymentIntent status the SDK names', () => {
    assert.deepEqual(INTENT_STATUS_VERDICT, {
      succeeded: 'success', processing: 'in_flight', requires_capture: 'in_flight', requires_payment_method: 'declined',
      requires_action: 'action_required', requires_confirmation: 'in_flight', canceled: 'canceled',
    });
  });

  it('maps refund and dispute statuses: canceled refunds failed, closed inquiries won', () => {
    assert.equal(REFUND_STATUS_OUTCOME.canceled, 'failed');
    assert.equal(REFUND_STATUS_OUTCOME.requires_action, 'pending');
    assert.equal(DISPUTE_STATUS_OUTCOME.warning_closed, 'won');
    assert.equal(DISPUTE_STATUS_OUTCOME.lost, 'lost');
    assert.equal(DISPUTE_STATUS_OUTCOME.needs_response, 'open');
    const refund = (status: string | null) => outcomeOfRefund({ id: 're_1', object: 'refund', status, failure_reason: 'expired_or_canceled_card', metadata: {} } as Stripe.Refund);
    assert.deepEqual(refund('failed'), { status: 'failed', gatewayRefundId: 're_1', code: 'expired_or_canceled_card', message: 'Stripe refund failed: expired_or_canceled_card' });
    assert.equal(refund('succeeded').status, 'succeeded');
    assert.equal(refund('a_status_from_2030').status, 'pending', 'unknown is asked again, never taken as done');
  });
});

describe('an off-session PaymentIntent and Stripe’s errors, as charge results', () => {
  it('reads an intent: success with its ids, a decline by its last error, SCA, and undecided as undefined', () => {
    assert.deepEqual(resultOfIntent(intent({})), { transactionId: 'pi_1', ids: { intentId: 'pi_1', chargeId: 'ch_1' }, outcome: 'success', code: 'succeeded', message: 'Payment succeeded' });
    const declined = resultOfIntent(intent({ status: 'requires_payment_method', last_payment_error: { type: 'card_error', code: 'card_declined', decline_code: 'lost_card', message: 'Your card was declined.' } }));
    assert.equal(declined?.outcome, 'hard_decline');
    assert.equal(declined?.code, 'lost_card');
    assert.equal(resultOfIntent(intent({ status: 'requires_action' }))?.outcome, 'action_required');
    assert.equal(resultOfIntent(intent({ status: 'processing' })), undefined);
    assert.equal(resultOfIntent(intent({ status: 'a_status_from_2030' })), undefined);
  });

  it('reads the client’s own error objects: card errors by decline code, SCA, a missing payment method, bad credentials', () => {
    const soft = resultOfError(stripeError({ statusCode: 402, type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.', payment_intent: { id: 'pi_9', latest_charge: 'ch_9' } }));
    assert.deepEqual(soft, { outcome: 'soft_decline', code: 'insufficient_funds', message: 'Your card has insufficient funds.', transactionId: 'pi_9', ids: { intentId: 'pi_9', chargeId: 'ch_9' } });
    assert.equal(resultOfError(stripeError({ statusCode: 402, type: 'card_error', code: 'card_declined', decline_code: 'stolen_card', message: 'x' }))?.outcome, 'hard_decline');
    assert.equal(resultOfError(stripeError({ statusCode: 402, type: 'card_error', code: 'authentication_required', decline_code: 'authentication_required', message: 'x' }))?.outcome, 'action_required');
    assert.equal(resultOfError(stripeError({ statusCode: 402, type: 'card_error', code: 'processing_error', message: 'x' }))?.outcome, 'technical_error');
    assert.equal(resultOfError(stripeError({ statusCode: 404, type: 'invalid_request_error', code: 'resource_missing', message: 'No such PaymentMethod' }))?.outcome, 'hard_decline');
    assert.equal(resultOfError(stripeError({ statusCode: 401, type: 'invalid_request_error', message: 'Invalid API Key' }))?.code, 'stripe_credentials');
    assert.equal(resultOfError(stripeError({ statusCode: 429, type: 'invalid_request_error', message: 'Too many' }))?.code, 'rate_limited');
    assert.equal(resultOfError(stripeError({ statusCode: 500, type: 'api_error', message: 'boom' })), undefined, 'a 5xx is no answer: the caller asks by key');
  });
});

describe('Stripe amounts and tokens', () => {
  it('converts minor units exactly, with Stripe’s special currencies, and refuses what Stripe cannot express', () => {
    assert.equal(toStripeAmount(1815n, 'PLN'), 1815);
    assert.equal(toStripeAmount(500n, 'JPY'), 500);
    assert.equal(toStripeAmount(1000n, 'ISK'), 100_000, 'ISK is sent with two decimals');
    assert.equal(toStripeAmount(1230n, 'KWD'), 1230);
    assert.throws(() => toStripeAmount(1234n, 'KWD'), StripeAmountError);
    assert.throws(() => toStripeAmount(BigInt(Number.MAX_SAFE_INTEGER) + 1n, 'PLN'), StripeAmountError);
    assert.equal(fromStripeAmount(100_000, 'ISK'), 1000n);
    assert.equal(fromStripeAmount(1815, 'PLN'), 1815n);
    assert.throws(() => fromStripeAmount(100_050, 'ISK'), StripeAmountError);
  });

  it('keeps a saved card as cus_…/pm_… only when the intent saved it for off-session use', () => {
    assert.equal(formatToken({ customer: 'cus_A', paymentMethod: 'pm_B' }), 'cus_A/pm_B');
    assert.deepEqual(parseToken('cus_A/pm_B'), { customer: 'cus_A', paymentMethod: 'pm_B' });
    assert.equal(parseToken('sandbox_approve'), undefined);
    assert.equal(parseToken('cus_A/pm_B/x'), undefined);
    assert.equal(tokenOfIntent({ setup_future_usage: 'off_session', customer: 'cus_A', payment_method: { id: 'pm_B' } }), 'cus_A/pm_B');
    assert.equal(tokenOfIntent({ setup_future_usage: null, customer: 'cus_A', payment_method: 'pm_B' }), undefined);
    assert.equal(tokenOfIntent({ setup_future_usage: 'off_session', customer: null, payment_method: 'pm_B' }), undefined);
  });
});

describe('a Checkout Session, as the status query reads it', () => {
  const session = (over: Partial<Stripe.Checkout.Session>) => ({ id: 'cs_1', object: 'checkout.session', payment_status: 'unpaid', status: 'open', payment_intent: null, ...over }) as Stripe.Checkout.Session;
  it('paid: succeeded with the session, intent and charge ids and the saved card; expired: failed; open: not known yet', () => {
    assert.deepEqual(outcomeOfSession(session({ payment_status: 'paid', status: 'complete', payment_intent: intent({ setup_future_usage: 'off_session', customer: 'cus_1', payment_method: 'pm_1' }) })), {
      status: 'succeeded', gatewayTransactionId: 'pi_1', ids: { sessionId: 'cs_1', intentId: 'pi_1', chargeId: 'ch_1' }, paymentMethodToken: 'cus_1/pm_1',
    });
    assert.deepEqual(outcomeOfSession(session({ payment_status: 'paid', status: 'complete', payment_intent: 'pi_2' })), { status: 'succeeded', gatewayTransactionId: 'pi_2', ids: { sessionId: 'cs_1', intentId: 'pi_2' }, paymentMethodToken: undefined });
    assert.equal(outcomeOfSession(session({ status: 'expired' }))?.status, 'failed');
    assert.equal(outcomeOfSession(session({})), undefined);
  });
});

describe('an off-session charge Stripe has but has not decided (src/gateways/stripe/recurring.ts)', () => {
  const key = 'sub_1:3:0';
  /** Only the two calls these functions make, answering as Stripe does for a SEPA debit still processing. */
  const processing = (created: string[]) =>
    ({
      paymentIntents: {
        search: async () => ({ data: [intent({ status: 'processing', metadata: { [META.attemptKey]: key } })] }),
        create: async (_params: unknown, opts: { idempotencyKey: string }) => {
          created.push(opts.idempotencyKey);
          return intent({ status: 'processing' });
        },
      },
    }) as unknown as Stripe;

  it('says undecided, not "never seen", when the status query finds the intent processing — so the key is never sent again', async () => {
    await assert.rejects(findOffSessionCharge(processing([]), key), ChargeUndecidedError);
  });

  it('says undecided when the charge call itself answers processing', async () => {
    const created: string[] = [];
    await assert.rejects(
      chargeOffSession(processing(created), { idempotencyKey: key, token: 'cus_1/pm_1', amountMinor: 1000n, currency: 'EUR', mode: 'test' }),
      ChargeUndecidedError,
    );
    assert.deepEqual(created, [key]);
  });
});

describe('a Checkout Session ends at its payment deadline, within what Stripe accepts (sessionExpiry)', () => {
  const now = Date.UTC(2026, 11, 1, 12, 0, 0);
  const s = (ms: number) => Math.floor(ms / 1000);
  it('takes the deadline when it lies between 31 minutes and a day away', () => {
    assert.equal(sessionExpiry(now + 2 * 3600_000, now), s(now + 2 * 3600_000));
  });
  it('holds a shorter payment to Stripe’s 30-minute minimum and a longer one to its 24-hour maximum (a minute of margin each)', () => {
    assert.equal(sessionExpiry(now + 60_000, now), s(now) + 31 * 60);
    assert.equal(sessionExpiry(now + 30 * 86_400_000, now), s(now) + 24 * 3600 - 60);
  });
});
