import { randomInt } from 'node:crypto';
import { NotFoundError, StateConflictError, UnavailableError, ValidationError } from '../../domain/errors.js';
import { formatDecimal } from '../../domain/money.js';
import { referenceFromBody } from '../../domain/reference.js';
import { findCustomer } from '../../db/customers.js';
import { newId } from '../../db/ids.js';
import { findPayment, insertCreatedPayment, type PaymentRow, recordCheckoutStart, referenceInUse } from '../../db/payments.js';
import { type Db, inTransaction, type Queryable } from '../../db/pool.js';
import { gatewayAccepts } from '../../gateways/registry.js';
import { can, checkoutOf, GatewayTimeoutError, type PaymentForCheckout, type PaymentGateway } from '../../gateways/types.js';
import { startPaymentWorkflow } from '../../temporal/start.js';
import type { AppDeps } from '../env.js';

const REFERENCE_DRAWS = 10;

export interface PaymentRequest {
  customerId: string;
  amountMinor: bigint;
  currency: string;
  gateway: string;
  description: string;
  /** Until the deadline; the gateway's payment_ttl when not given. */
  ttlMs?: number | undefined;
  /** A reference the caller drew (GET /v1/variable-symbol) or its own; a fresh one otherwise. */
  reference?: string | undefined;
  /** Where the gateway's checkout sends the payer back to, given the new payment's id. */
  returnUrl?: ((paymentId: string) => string) | undefined;
  paymentLinkId?: string | undefined;
  /** The checkout asks the payer to save the card for merchant-initiated charges (a subscription's first payment, an SCA link). */
  saveCard?: boolean | undefined;
  /** The subscription period this payment pays (an SCA link): its workflow is told of the success. */
  recovers?: { subscriptionId: string; period: number } | undefined;
  /** The gateway's commission inside amountMinor (the top-up portal): the customer is credited the rest. */
  commissionMinor?: bigint | undefined;
  /**
   * Run in the payment's transaction before the payment row is written, given the new id (the top-up
   * portal claims its start key, src/db/portal-starts.ts): whatever it throws rolls the transaction
   * back before any row or workflow exists, and a lock it takes holds a concurrent repeat until this commits.
   */
  claim?: ((tx: Queryable, paymentId: string) => Promise<void>) | undefined;
}

type CreateDeps = Pick<AppDeps, 'gateways' | 'temporal' | 'config' | 'now'> & { pool: Db };

/**
 * Creates a pending payment with its workflow (createPendingPayment), then starts the gateway's
 * checkout for it (startCheckout). For a caller whose pool is a pool: the payment is committed
 * before the gateway is asked, so a gateway that cannot be reached leaves it pending without a
 * checkout, its workflow running, and it expires at its deadline.
 */
export async function createPayment(deps: CreateDeps, req: PaymentRequest): Promise<PaymentRow> {
  const { row, gateway, customer } = await createPendingPayment(deps, req);
  return startCheckout(deps, gateway, row, { saveCard: req.saveCard, customer });
}

/**
 * Creates a pending payment, its `payment.created` event and its workflow `payment:<id>` in one
 * transaction: if Temporal refuses, nothing is left behind. The gateway's mode, adapter and
 * settlement are copied onto the payment, so a later configuration change never reaches it. No
 * gateway is called: a caller inside a transaction of its own (the keyed POST /v1/payments)
 * commits first and starts the checkout after, so a gateway's failure cannot roll back a payment
 * whose workflow has started.
 */
export async function createPendingPayment(
  deps: CreateDeps,
  req: PaymentRequest,
): Promise<{ row: PaymentRow; gateway: PaymentGateway; customer: { id: string; email: string | null } }> {
  const gateway = deps.gateways.get(req.gateway);
  if (!gateway) {
    throw new ValidationError(`unknown gateway "${req.gateway}"`, {
      errors: [{ path: 'gateway', message: `one of: ${[...deps.gateways.keys()].join(', ')}` }],
    });
  }
  if (!gateway.settings.enabled) {
    throw new ValidationError(`gateway "${gateway.name}" takes no new payments (enabled: false)`, { errors: [{ path: 'gateway', message: 'disabled in the gateways file' }] });
  }
  if (!gatewayAccepts(gateway, req.amountMinor, req.currency)) {
    const s = gateway.settings;
    const range = `${formatDecimal({ minor: s.minAmount, currency: req.currency })}–${formatDecimal({ minor: s.maxAmount, currency: req.currency })}`;
    throw new ValidationError(`gateway "${gateway.name}" does not take this amount`, {
      errors: [{ path: 'amount', message: `${gateway.name} takes ${range} ${s.currencies ? s.currencies.join('/') : req.currency}` }],
    });
  }
  if (req.saveCard && (gateway.settings.recurring === null || !can(gateway, 'recurring'))) {
    throw new ValidationError(`gateway "${gateway.name}" takes no recurring charges: a card saved there could never be charged`, { errors: [{ path: 'save_card', message: 'only for a gateway with recurring charges enabled' }] });
  }
  const customer = await findCustomer(deps.pool, req.customerId);
  if (!customer) throw new NotFoundError(`no customer ${req.customerId}`);
  const ttl = req.ttlMs ?? gateway.settings.paymentTtlMs;

  const row = await inTransaction(deps.pool, async (tx) => {
    const expiresAt = new Date(deps.now().getTime() + ttl);
    const id = newId('pay');
    await req.claim?.(tx, id);
    const row = await insertWithReference(req.reference, (reference) =>
      insertCreatedPayment(tx, {
        id,
        customerId: req.customerId,
        amountMinor: req.amountMinor,
        currency: req.currency,
        gateway: gateway.name,
        mode: gateway.mode,
        description: req.description,
        reference,
        expiresAt,
        adapter: gateway.settings.adapter,
        settlement: gateway.settings.settlement,
        paymentExpirationMs: gateway.settings.paymentExpirationMs,
        returnUrl: req.returnUrl?.(id),
        paymentLinkId: req.paymentLinkId,
        lateSuccess: gateway.settings.lateSuccess,
        commissionMinor: req.commissionMinor,
      }),
    );
    // Started inside the transaction: if Temporal is down, the row rolls back with it.
    await startPaymentWorkflow(deps.temporal, deps.config.TEMPORAL_TASK_QUEUE, {
      id,
      customerId: row.customer_id,
      amountMinor: row.amount_minor,
      expiresAt,
      pollStatus: gateway.paymentStatus !== undefined,
      settlement: row.settlement,
      ...(req.recovers ? { recovers: req.recovers } : {}),
    });
    return row;
  });
  return { row, gateway, customer: { id: customer.id, email: customer.email } };
}

/**
 * Starts the gateway's checkout for a committed payment and keeps its URL and ids on the row. A
 * hosted gateway creates its session here, keyed by the payment id, so a repeat after a failure
 * returns the same session. If the gateway cannot be reached the payment stays pending without a
 * checkout (and expires at its deadline); the error reaches the caller.
 */
export async function startCheckout(
  deps: Pick<AppDeps, 'config'> & { pool: Db },
  gateway: PaymentGateway,
  row: PaymentRow,
  extra: Pick<PaymentForCheckout, 'saveCard' | 'customer'> = {},
): Promise<PaymentRow> {
  const returnUrl = row.return_url ?? `${deps.config.publicBaseUrl}/checkout/${encodeURIComponent(row.id)}/result`;
  const start = await gateway.startCheckout({ ...checkoutOf(row, returnUrl), ...extra });
  if (!(await recordCheckoutStart(deps.pool, row.id, start))) {
    // Canceled (or ended) while the gateway was asked: the new session must not take money for it.
    // Best effort, as the cancel's own is; a payer who still pays it is a late success.
    await gateway.cancelCheckout?.({ id: row.id, mode: row.mode, ids: start.ids }).catch(() => undefined);
    const now = await findPayment(deps.pool, row.id);
    if (!now) throw new Error(`payment ${row.id} was committed and is gone`);
    return now;
  }
  return {
    ...row,
    checkout_url: start.url,
    gateway_session_id: row.gateway_session_id ?? start.ids.sessionId ?? null,
    gateway_intent_id: row.gateway_intent_id ?? start.ids.intentId ?? null,
    gateway_charge_id: row.gateway_charge_id ?? start.ids.chargeId ?? null,
  };
}

/**
 * The checkout of a payment createPendingPayment committed, started if it has none yet: the keyed
 * POST /v1/payments runs this after its transaction, and again on every retry of the same key, so
 * a gateway that was unreachable the first time gets asked again for the same payment (a hosted
 * gateway's session is keyed by the payment id, so an attempt that did reach it is not doubled).
 * A gateway that still cannot be reached is a 503 naming the payment, which stays pending.
 */
export async function ensureCheckout(
  deps: Pick<AppDeps, 'gateways' | 'config'> & { pool: Db },
  paymentId: string,
  saveCard: boolean | undefined,
  log: { warn(obj: object, msg: string): void },
): Promise<PaymentRow> {
  const row = await findPayment(deps.pool, paymentId);
  if (!row) throw new Error(`payment ${paymentId} was committed and is gone`);
  const gateway = deps.gateways.get(row.gateway);
  if (row.checkout_url !== null || row.status !== 'pending' || !gateway) return row;
  const customer = await findCustomer(deps.pool, row.customer_id);
  try {
    return await startCheckout(deps, gateway, row, { saveCard, customer: { id: row.customer_id, email: customer?.email ?? null } });
  } catch (err) {
    // Only a gateway that could not be reached (or answered unknown) is worth a retry of the key;
    // anything else (a refusal, a mode without credentials) is what it is.
    if (!(err instanceof GatewayTimeoutError)) throw err;
    log.warn({ err, paymentId, gateway: gateway.name }, 'checkout not started; the payment stays pending');
    throw new UnavailableError(
      `payment ${paymentId} was created and is pending, but gateway "${gateway.name}" did not start its checkout; send the request again with the same Idempotency-Key to retry it (without a key, the payment expires unpaid at its deadline)`,
    );
  }
}

async function insertWithReference(
  given: string | undefined,
  insert: (reference: string) => Promise<PaymentRow | undefined>,
): Promise<PaymentRow> {
  if (given !== undefined) {
    const row = await insert(given);
    if (!row) throw new StateConflictError(`reference ${given} is already used by another payment`, { reference: given });
    return row;
  }
  for (let draw = 0; draw < REFERENCE_DRAWS; draw += 1) {
    const row = await insert(drawReference());
    if (row) return row;
  }
  throw new Error(`no free payment reference after ${REFERENCE_DRAWS} draws`);
}

/** A fresh reference no payment uses yet (REMP's variable-symbol API). */
export async function freshReference(db: Queryable): Promise<string> {
  for (let draw = 0; draw < REFERENCE_DRAWS; draw += 1) {
    const reference = drawReference();
    if (!(await referenceInUse(db, reference))) return reference;
  }
  throw new Error(`no free reference after ${REFERENCE_DRAWS} draws`);
}

/** A random reference with a one-digit check (about one body in eleven has none: draw again). */
function drawReference(): string {
  for (;;) {
    const reference = referenceFromBody(randomInt(100_000_000, 1_000_000_000));
    if (reference) return reference;
  }
}
