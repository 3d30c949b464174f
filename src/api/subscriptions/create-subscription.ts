import { NotFoundError, ruleViolation, ValidationError } from '../../domain/errors.js';
import { parseIsoDurationMs } from '../../domain/duration.js';
import { minorFromJson, type Money } from '../../domain/money.js';
import { isValidTimeZone, type Schedule, schedulePeriodProblem, validateSchedule } from '../../domain/schedule.js';
import { cardExpiresAtMs } from '../../domain/subscription.js';
import { planStart } from '../../domain/subscription-start.js';
import { findCustomer } from '../../db/customers.js';
import { appendEvent } from '../../db/events.js';
import { newId } from '../../db/ids.js';
import { findPayment } from '../../db/payments.js';
import { type Db, inTransaction } from '../../db/pool.js';
import { insertSubscription, type SubscriptionRow } from '../../db/subscriptions.js';
import { recurringChargeProblem } from '../../gateways/limits.js';
import { tokenExpiryOf } from '../../gateways/registry.js';
import type { GatewayMode } from '../../gateways/settings.js';
import { isRecurringGateway, type RecurringGateway } from '../../gateways/types.js';
import { startSubscriptionWorkflow } from '../../temporal/start.js';
import type { SubscriptionSnapshot } from '../../workflows/subscription.js';
import type { AppDeps } from '../env.js';
import { fieldError } from '../field-error.js';
import type { CreateSubscriptionBody } from './subscriptions.schemas.js';

const invalid = (path: string, message: string) => new ValidationError(`${path}: ${message}`, { errors: [{ path, message }] });

interface ResolvedMethod {
  method: { token: string; expires: string | null };
  /** The first payment that paid period 0, when the method came from one. */
  firstPayment: { id: string; mode: 'test' | 'live'; paidAtMs: number } | null;
}

/** The payment method to store: a token as given, or the reusable token a first payment returned. */
async function resolvePaymentMethod(deps: Pick<AppDeps, 'pool' | 'gateways'>, body: CreateSubscriptionBody): Promise<ResolvedMethod> {
  const pm = body.payment_method;
  const tokenExpiry = (token: string) => tokenExpiryOf(deps.gateways, body.gateway, token);
  if ('token' in pm) return { method: { token: pm.token, expires: pm.expires ?? tokenExpiry(pm.token) ?? null }, firstPayment: null };
  const payment = await findPayment(deps.pool, pm.payment_id);
  if (!payment || payment.customer_id !== body.customer_id) throw invalid('payment_method.payment_id', 'no payment of this customer with that id');
  if (payment.status !== 'succeeded') throw invalid('payment_method.payment_id', `the payment is ${payment.status}, not succeeded`);
  if (!payment.payment_method_token) throw invalid('payment_method.payment_id', 'the gateway returned no reusable token for that payment');
  if (payment.gateway !== body.gateway) throw invalid('payment_method.payment_id', `the payment went through "${payment.gateway}"; its token charges only there`);
  return {
    method: { token: payment.payment_method_token, expires: payment.payment_method_expires ?? tokenExpiry(payment.payment_method_token) ?? null },
    firstPayment: { id: payment.id, mode: payment.mode, paidAtMs: (payment.completed_at ?? payment.updated_at).getTime() },
  };
}

/** The rules a new subscription must pass before anything is written (422 each, naming the field). */
function checkRules(gateway: RecurringGateway, mode: GatewayMode, body: CreateSubscriptionBody, schedule: Schedule, amount: Money, expires: string | null, nowMs: number): void {
  const limits = recurringChargeProblem(gateway.settings, amount.minor, amount.currency);
  if (limits) throw ruleViolation(gateway.settings.recurring ? 'amount' : 'gateway', limits);
  if (!gateway.hasMode(mode)) throw ruleViolation('gateway', `"${gateway.name}" has no ${mode}-mode credentials configured`);
  const tooShort = schedulePeriodProblem(schedule, mode);
  if (tooShort) throw ruleViolation('schedule', tooShort);
  if (expires && cardExpiresAtMs(expires) < nowMs) throw ruleViolation('payment_method.expires', `the card expired at the end of ${expires}`);
  if (body.min_amount !== undefined && body.amount < body.min_amount) throw invalid('amount', 'is below min_amount');
  if (body.max_amount !== undefined && body.amount > body.max_amount) throw invalid('amount', 'is above max_amount');
}

/** `db`: the transaction of an idempotent request, joined so its response is saved with the rows. */
export async function createSubscription(
  deps: Pick<AppDeps, 'pool' | 'gateways' | 'temporal' | 'config' | 'now'>,
  body: CreateSubscriptionBody,
  db?: Db,
): Promise<SubscriptionRow> {
  const { pool, gateways, temporal, config, now } = deps;
  const gateway = gateways.get(body.gateway);
  if (!gateway || !isRecurringGateway(gateway)) throw invalid('gateway', `"${body.gateway}" cannot charge stored payment methods`);
  if (!gateway.settings.enabled) throw invalid('gateway', `"${body.gateway}" takes no new subscriptions (enabled: false)`);
  const schedule: Schedule & { amount_hook?: string } = fieldError('schedule', () => validateSchedule(body.schedule));
  if (!isValidTimeZone(body.time_zone)) throw invalid('time_zone', `"${body.time_zone}" is not an IANA time zone`);
  const amount = fieldError('amount', () => minorFromJson(body.amount, body.currency));
  if (body.first_charge_at && body.next_charge_at) throw invalid('next_charge_at', 'give first_charge_at or next_charge_at, not both');
  const retrySchedule = body.retry_schedule ?? config.DEFAULT_RETRY_SCHEDULE.split(',').map((d) => d.trim());
  const retryDelaysMs = retrySchedule.map((d, i) => fieldError(`retry_schedule.${i}`, () => parseIsoDurationMs(d)));
  if (!(await findCustomer(pool, body.customer_id))) throw new NotFoundError(`no customer ${body.customer_id}`);
  const { method: paymentMethod, firstPayment } = await resolvePaymentMethod(deps, body);
  const periodsPaid = body.periods_paid ?? (firstPayment ? 1 : 0);
  if (firstPayment && periodsPaid < 1) throw invalid('periods_paid', 'a first payment is period 0: at least 1 period is paid');
  // A token belongs to the mode (test or live account) it was issued in; so does every charge of it.
  const mode = firstPayment?.mode ?? gateway.mode;
  const nowMs = now().getTime();
  checkRules(gateway, mode, body, schedule, amount, paymentMethod.expires, nowMs);

  const given = body.first_charge_at ?? body.next_charge_at;
  const plan = planStart({
    schedule,
    timeZone: body.time_zone,
    nowMs,
    firstChargeAt: given ? { ms: Date.parse(given), field: body.first_charge_at ? 'first_charge_at' : 'next_charge_at' } : undefined,
    periodsPaid,
    firstPaymentAtMs: firstPayment && !given ? firstPayment.paidAtMs : undefined,
  });
  const firstChargeAt = new Date(plan.nextChargeAtMs ?? plan.anchorAtMs);
  const endsAt = body.ends_at ? new Date(body.ends_at) : null;
  if (endsAt && endsAt <= firstChargeAt) throw invalid('ends_at', 'must be after the first charge');
  const nextChargeAt = plan.nextChargeAtMs === null ? null : new Date(plan.nextChargeAtMs).toISOString();
  const id = newId('sub');
  const snapshot: SubscriptionSnapshot = {
    subscriptionId: id,
    customerId: body.customer_id,
    terms: {
      amountMinor: body.amount,
      currency: amount.currency,
      schedule,
      timeZone: body.time_zone,
      anchorAt: new Date(plan.anchorAtMs).toISOString(),
      anchorPeriod: plan.anchorPeriod,
      endsAt: endsAt?.toISOString() ?? null,
      minAmountMinor: body.min_amount ?? null,
      maxAmountMinor: body.max_amount ?? null,
      retryDelaysMs,
      gateway: gateway.name,
      mode,
      paymentMethod,
      cardExpiryNoticeMs: config.CARD_EXPIRY_NOTICE_DAYS * 86_400_000,
    },
    pending: null,
    state: 'active',
    stoppedReason: null,
    stoppedBy: null,
    period: plan.period,
    nextChargeAt,
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
      mode,
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
      period: plan.period,
      nextChargeAt: nextChargeAt === null ? null : new Date(nextChargeAt),
      firstPaymentId: firstPayment?.id ?? null,
    }).catch((err: unknown) => {
      if ((err as { constraint?: string }).constraint === 'subscriptions_first_payment_idx') {
        throw ruleViolation('payment_method.payment_id', 'that payment already started another subscription');
      }
      throw err;
    });
    await appendEvent(tx, {
      type: 'subscription.created',
      aggregateType: 'subscription',
      aggregateId: id,
      payload: {
        subscription_id: id, customer_id: body.customer_id, amount: body.amount, currency: amount.currency, schedule, mode,
        period: plan.period, periods_paid: periodsPaid, first_payment_id: firstPayment?.id ?? null, next_charge_at: nextChargeAt,
      },
    });
    // Inside the transaction: if Temporal is down, the row rolls back with it.
    await startSubscriptionWorkflow(temporal, config.TEMPORAL_TASK_QUEUE, snapshot);
    return row;
  });
}
