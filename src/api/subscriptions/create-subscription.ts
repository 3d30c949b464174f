import type { Context } from 'hono';
import { NotFoundError, ValidationError } from '../../domain/errors.js';
import { parseIsoDurationMs } from '../../domain/duration.js';
import { minorFromJson } from '../../domain/money.js';
import { chargeTime, isValidTimeZone, type Schedule, validateSchedule } from '../../domain/schedule.js';
import { findCustomer } from '../../db/customers.js';
import { appendEvent } from '../../db/events.js';
import { newId } from '../../db/ids.js';
import { findPayment } from '../../db/payments.js';
import { type Db, inTransaction } from '../../db/pool.js';
import { insertSubscription, type SubscriptionRow } from '../../db/subscriptions.js';
import { tokenExpiry } from '../../gateways/sandbox/recurring.js';
import { isRecurringGateway } from '../../gateways/types.js';
import { startSubscriptionWorkflow } from '../../temporal/start-subscription.js';
import type { SubscriptionSnapshot } from '../../workflows/subscription.js';
import type { AppEnv } from '../env.js';
import { fieldError } from '../field-error.js';
import type { CreateSubscriptionBody } from './subscriptions.schemas.js';

const invalid = (path: string, message: string) => new ValidationError(`${path}: ${message}`, { errors: [{ path, message }] });

/** The payment method to store: a token as given, or the reusable token a first payment returned. */
async function resolvePaymentMethod(c: Context<AppEnv>, body: CreateSubscriptionBody): Promise<{ token: string; expires: string | null }> {
  const pm = body.payment_method;
  if ('token' in pm) return { token: pm.token, expires: pm.expires ?? tokenExpiry(pm.token) ?? null };
  const payment = await findPayment(c.get('deps').pool, pm.payment_id);
  if (!payment || payment.customer_id !== body.customer_id) throw invalid('payment_method.payment_id', 'no payment of this customer with that id');
  if (payment.status !== 'succeeded') throw invalid('payment_method.payment_id', `the payment is ${payment.status}, not succeeded`);
  if (!payment.payment_method_token) throw invalid('payment_method.payment_id', 'the gateway returned no reusable token for that payment');
  return { token: payment.payment_method_token, expires: payment.payment_method_expires ?? tokenExpiry(payment.payment_method_token) ?? null };
}

/** `db`: the transaction of an idempotent request, joined so its response is saved with the rows. */
export async function createSubscription(c: Context<AppEnv>, body: CreateSubscriptionBody, db?: Db): Promise<SubscriptionRow> {
  const { pool, gateways, temporal, config, now } = c.get('deps');
  const gateway = gateways.get(body.gateway);
  if (!gateway || !isRecurringGateway(gateway)) throw invalid('gateway', `"${body.gateway}" cannot charge stored payment methods`);
  if (!gateway.settings.enabled) throw invalid('gateway', `"${body.gateway}" takes no new subscriptions (enabled: false)`);
  const schedule: Schedule & { amount_hook?: string } = fieldError('schedule', () => validateSchedule(body.schedule));
  if (!isValidTimeZone(body.time_zone)) throw invalid('time_zone', `"${body.time_zone}" is not an IANA time zone`);
  const amount = fieldError('amount', () => minorFromJson(body.amount, body.currency));
  if (body.min_amount !== undefined && body.amount < body.min_amount) throw invalid('amount', 'is below min_amount');
  if (body.max_amount !== undefined && body.amount > body.max_amount) throw invalid('amount', 'is above max_amount');
  const retrySchedule = body.retry_schedule ?? config.DEFAULT_RETRY_SCHEDULE.split(',').map((d) => d.trim());
  const retryDelaysMs = retrySchedule.map((d, i) => fieldError(`retry_schedule.${i}`, () => parseIsoDurationMs(d)));
  if (!(await findCustomer(pool, body.customer_id))) throw new NotFoundError(`no customer ${body.customer_id}`);
  const paymentMethod = await resolvePaymentMethod(c, body);

  const firstChargeAt = body.first_charge_at ? new Date(body.first_charge_at) : now();
  const endsAt = body.ends_at ? new Date(body.ends_at) : null;
  if (endsAt && endsAt <= firstChargeAt) throw invalid('ends_at', 'must be after first_charge_at');
  const next = chargeTime(schedule, firstChargeAt.getTime(), body.time_zone, 0);
  const id = newId('sub');
  const snapshot: SubscriptionSnapshot = {
    subscriptionId: id,
    customerId: body.customer_id,
    terms: {
      amountMinor: body.amount,
      currency: amount.currency,
      schedule,
      timeZone: body.time_zone,
      anchorAt: firstChargeAt.toISOString(),
      anchorPeriod: 0,
      endsAt: endsAt?.toISOString() ?? null,
      minAmountMinor: body.min_amount ?? null,
      maxAmountMinor: body.max_amount ?? null,
      retryDelaysMs,
      gateway: gateway.name,
      paymentMethod,
      cardExpiryNoticeMs: config.CARD_EXPIRY_NOTICE_DAYS * 86_400_000,
    },
    pending: null,
    state: 'active',
    stoppedReason: null,
    stoppedBy: null,
    period: 0,
    nextChargeAt: next === null ? null : new Date(next).toISOString(),
    softDeclines: 0,
    technicalRetries: 0,
    attempt: 0,
    retryAt: null,
    expiryNoticeFor: null,
    requestedAmountMinor: null,
  };
  return inTransaction(db ?? pool, async (tx) => {
    const row = await insertSubscription(tx, {
      id,
      customerId: body.customer_id,
      gateway: gateway.name,
      mode: gateway.mode,
      paymentMethod,
      amountMinor: amount.minor,
      currency: amount.currency,
      schedule,
      timeZone: body.time_zone,
      firstChargeAt,
      endsAt,
      minAmountMinor: body.min_amount === undefined ? null : BigInt(body.min_amount),
      maxAmountMinor: body.max_amount === undefined ? null : BigInt(body.max_amount),
      retrySchedule,
      nextChargeAt: next === null ? null : new Date(next),
    });
    await appendEvent(tx, {
      type: 'subscription.created',
      aggregateType: 'subscription',
      aggregateId: id,
      payload: { subscription_id: id, customer_id: body.customer_id, amount: body.amount, currency: amount.currency, schedule, next_charge_at: snapshot.nextChargeAt },
    });
    // Inside the transaction: if Temporal is down, the row rolls back with it.
    await startSubscriptionWorkflow(temporal, config.TEMPORAL_TASK_QUEUE, snapshot);
    return row;
  });
}
