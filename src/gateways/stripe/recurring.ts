import Stripe from 'stripe';
import { type ChargeRequest, type ChargeResult, ChargeUndecidedError } from '../types.js';
import { StripeAmountError, stripeCurrency, toStripeAmount } from './amounts.js';
import { call } from './client.js';
import { META } from './checkout.js';
import { declineOutcome, intentVerdict } from './mapping.js';
import { idOf, parseToken } from './token.js';

/**
 * A merchant-initiated charge of a saved card: an off-session PaymentIntent confirmed at once
 * (https://docs.stripe.com/payments/save-during-payment#charge-saved-payment-method). Stripe's
 * Idempotency-Key is Tollgate's attempt key, so a repeat after a lost answer replays the first
 * intent instead of charging again (https://docs.stripe.com/api/idempotent_requests).
 */
export async function chargeOffSession(stripe: Stripe, req: ChargeRequest): Promise<ChargeResult> {
  const token = parseToken(req.token);
  if (!token) return { outcome: 'hard_decline', code: 'tollgate_token', message: 'the stored payment method is not a Stripe token (cus_…/pm_…)' };
  let amount: number;
  try {
    amount = toStripeAmount(req.amountMinor, req.currency);
  } catch (err) {
    if (err instanceof StripeAmountError) return { outcome: 'technical_error', code: 'tollgate_amount', message: err.message };
    throw err;
  }
  try {
    const intent = await call('create the PaymentIntent', () =>
      stripe.paymentIntents.create(
        {
          amount,
          currency: stripeCurrency(req.currency),
          customer: token.customer,
          payment_method: token.paymentMethod,
          confirm: true,
          off_session: true,
          metadata: { [META.attemptKey]: req.idempotencyKey },
        },
        { idempotencyKey: req.idempotencyKey },
      ),
    );
    const result = resultOfIntent(intent);
    // Stripe has it: it is asked about from now on (chargeStatus), never created again.
    if (!result) throw new ChargeUndecidedError(`stripe: PaymentIntent ${intent.id} is ${intent.status}, not decided yet`);
    return result;
  } catch (err) {
    const declined = resultOfError(err);
    if (declined) return declined;
    throw err;
  }
}

/**
 * The charge made with this attempt key, found by the metadata it carries (Search API,
 * https://docs.stripe.com/search#query-fields-for-payment-intents). Search lags writes by up to a
 * minute: an intent not found yet reads as never seen, and the caller's repeat with the same key
 * is replayed by Stripe, so the lag costs a call, never a second charge. An intent found but not
 * decided (a SEPA debit processing for days) throws ChargeUndecidedError: the caller must not send
 * the key again, since Stripe forgets it after 24 hours and a repeat then creates a second intent.
 */
export async function findOffSessionCharge(stripe: Stripe, idempotencyKey: string): Promise<ChargeResult | undefined> {
  const query = `metadata['${META.attemptKey}']:'${idempotencyKey.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const found = await call('search PaymentIntents', () => stripe.paymentIntents.search({ query, limit: 10 }));
  const intent = found.data.find((i) => i.metadata[META.attemptKey] === idempotencyKey);
  if (!intent) return undefined;
  const result = resultOfIntent(intent);
  if (!result) throw new ChargeUndecidedError(`stripe: PaymentIntent ${intent.id} for ${idempotencyKey} is ${intent.status}, not decided yet`);
  return result;
}

/** An intent's outcome, or undefined while it is undecided (processing, awaiting capture) or its status is newer than the SDK. */
export function resultOfIntent(intent: Stripe.PaymentIntent): ChargeResult | undefined {
  const ids = { intentId: intent.id, ...(idOf(intent.latest_charge) && { chargeId: idOf(intent.latest_charge) }) };
  const base = { transactionId: intent.id, ids };
  const verdict = intentVerdict(intent.status);
  switch (verdict) {
    case 'success':
      return { ...base, outcome: 'success', code: 'succeeded', message: 'Payment succeeded' };
    case 'declined': {
      const e = intent.last_payment_error;
      const code = e?.decline_code ?? e?.code ?? 'generic_decline';
      return { ...base, outcome: declineOutcome(code), code, message: e?.message ?? 'The card was declined' };
    }
    case 'action_required':
      return { ...base, outcome: 'action_required', code: 'authentication_required', message: 'The issuer requires the customer to authenticate' };
    case 'canceled':
      return { ...base, outcome: 'technical_error', code: 'canceled', message: `PaymentIntent canceled (${intent.cancellation_reason ?? 'no reason given'})` };
    case 'in_flight':
    case undefined:
      return undefined;
  }
}

/**
 * Stripe's errors that are answers (https://docs.stripe.com/error-handling): a card error is the
 * issuer's decline (402, with decline_code; authentication_required for SCA); a missing customer
 * or payment method can never be charged; a bad key or a rate limit charged nothing. Anything
 * else (a bug of ours) is thrown for Temporal to show.
 */
export function resultOfError(err: unknown): ChargeResult | undefined {
  if (err instanceof Stripe.errors.StripeCardError) {
    const code = err.decline_code || err.code || 'generic_decline';
    const intentId = err.payment_intent?.id;
    return {
      outcome: declineOutcome(code),
      code,
      message: err.message,
      transactionId: intentId,
      ids: intentId ? { intentId, ...(idOf(err.payment_intent?.latest_charge) && { chargeId: idOf(err.payment_intent?.latest_charge) }) } : undefined,
    };
  }
  if (err instanceof Stripe.errors.StripeInvalidRequestError && err.code === 'resource_missing') {
    return { outcome: 'hard_decline', code: 'resource_missing', message: err.message };
  }
  if (err instanceof Stripe.errors.StripeAuthenticationError || err instanceof Stripe.errors.StripePermissionError) {
    return { outcome: 'technical_error', code: 'stripe_credentials', message: err.message };
  }
  if (err instanceof Stripe.errors.StripeRateLimitError) return { outcome: 'technical_error', code: 'rate_limited', message: err.message };
  return undefined;
}
