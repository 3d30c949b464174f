import type { GatewayOutcome } from '../domain/payment.js';
import type { GatewayMode, GatewaySettings } from './settings.js';

/**
 * What an adapter can do beyond taking payments, declared by the adapter and checked by the API
 * (e.g. a refund through a gateway without `refunds` is answered 409 with the reason).
 */
export const GATEWAY_CAPABILITIES = ['recurring', 'refunds', 'partial_refunds', 'disputes', 'status_query', 'card_expiry', 'cancel_checkout'] as const;
export type GatewayCapability = (typeof GATEWAY_CAPABILITIES)[number];

/** The gateway's own ids for one payment or charge (hosted session, intent, charge), kept on its row. */
export type { GatewayIds } from '../domain/payment.js';
import type { GatewayIds } from '../domain/payment.js';

/** A refund's outcome as the gateway reports it (call answer, status query or callback). */
export interface RefundOutcome {
  status: 'succeeded' | 'failed' | 'pending';
  gatewayRefundId?: string | undefined;
  code?: string | undefined;
  message?: string | undefined;
}

/** A dispute (chargeback) as the gateway reports it. Amounts are minor units. */
export interface DisputeUpdate {
  gatewayDisputeId: string;
  status: 'open' | 'won' | 'lost';
  amountMinor: bigint;
  currency: string;
  reason?: string | undefined;
}

/**
 * What an adapter learns from a verified callback message, and whose workflow it is for. Every
 * kind names one Tollgate row (a payment, a refund, a charge attempt) that the journal checks
 * belongs to this gateway and the mode that signed it.
 */
export type CallbackMessage =
  /** A one-time payment's outcome, for `payment:<id>`. `kind` is absent in rows journaled before kinds existed. */
  | { kind: 'payment'; eventId: string; paymentId: string; outcome: GatewayOutcome }
  /** A refund's outcome, for `refund:<id>`. */
  | { kind: 'refund'; eventId: string; refundId: string; outcome: RefundOutcome }
  /** A dispute opened or closed on a payment or a subscription's charge attempt. */
  | { kind: 'dispute'; eventId: string; target: CallbackTarget; dispute: DisputeUpdate }
  /**
   * Something the gateway tells that Tollgate already knows from the call that caused it (an
   * off-session charge's intent succeeded): journaled and marked delivered, nothing signalled.
   */
  | { kind: 'noted'; eventId: string; target: CallbackTarget | { refundId: string }; note: string }
  /**
   * Authentic, but about nothing of Tollgate's (no Tollgate id in it, an event type Tollgate does
   * not take): journaled 'ignored' and answered 200, so the sender does not retry it for days and
   * disable the endpoint (Stripe does both after 4xx answers).
   */
  | { kind: 'ignored'; eventId: string; why: string };

/** A message Tollgate acts on (every kind but ignored). */
export type ActionableMessage = Exclude<CallbackMessage, { kind: 'ignored' }>;

/**
 * The money a dispute or note is about: Tollgate's id when the gateway echoes it (metadata), or
 * the gateway's intent id, which the journal resolves to the payment or charge attempt that
 * carries it (payments.gateway_intent_id, charge_attempts.gateway_intent_id) for this gateway.
 */
export type CallbackTarget = { paymentId: string } | { chargeAttemptId: string } | { intentId: string };

/** A callback request as it arrived, before anything trusted it. */
export interface RawCallback {
  headers: Partial<Record<string, string>>;
  body: string;
}

export type CallbackVerdict =
  /** signedMode: whose secret signed it; it must be the mode the payment started in. */
  | { ok: true; message: CallbackMessage; signedMode: GatewayMode }
  | { ok: false; reason: 'signature'; detail: string }
  | { ok: false; reason: 'schema'; detail: string; issues: Array<{ path: string; message: string }> };

export interface PaymentForCheckout {
  id: string;
  amountMinor: bigint;
  currency: string;
  description: string;
  reference: string;
  mode: GatewayMode;
  /** Tollgate's result page the gateway's hosted checkout sends the payer back to. */
  returnUrl: string;
  /** The payment's deadline: a hosted checkout should not take money after it (that is a late success). */
  expiresAt: Date;
  /** The payer may store the card for later merchant-initiated charges (a subscription's first payment). */
  saveCard?: boolean | undefined;
  customer?: { id: string; email?: string | null | undefined } | undefined;
}

/** A started checkout: where the payer's browser goes, and the gateway's ids to keep on the payment row. */
export interface CheckoutStart {
  url: string;
  ids: GatewayIds;
}

/**
 * One payment gateway. Adapters live in a folder each (src/gateways/<name>/) and convert amounts
 * to the gateway's own units only there. Later capabilities (recurring charges by idempotency key,
 * status queries, refunds) extend this interface as issues add them.
 */
export interface PaymentGateway {
  readonly name: string;
  /** The mode new payments start in; a payment keeps the mode it started in. */
  readonly mode: GatewayMode;
  readonly settings: GatewaySettings;
  readonly capabilities: ReadonlySet<GatewayCapability>;
  /**
   * Starts the payer's checkout: a hosted gateway creates its session here (one call, with the
   * payment id as its idempotency key, so a repeat returns the same session). Called once the
   * payment is committed; the URL and ids are stored on the payment row (checkout_url, gateway_*_id).
   */
  startCheckout(payment: PaymentForCheckout): Promise<CheckoutStart>;
  /** Ends the gateway's side of a canceled payment (expires a hosted session). Capability `cancel_checkout`. */
  cancelCheckout?(payment: { id: string; mode: GatewayMode; ids: GatewayIds }): Promise<void>;
  /**
   * Refunds captured money once per idempotency key (capability `refunds`). A lost answer throws
   * GatewayTimeoutError and is resolved by refundStatus with the same key, never by a new key.
   */
  refund?(req: RefundRequest): Promise<RefundOutcome>;
  /** What became of the refund with this key; undefined if the gateway never saw it. */
  refundStatus?(idempotencyKey: string, mode: GatewayMode): Promise<RefundOutcome | undefined>;
  /** false for gateways that never call back (bank transfer): their callback route reads 1 KB at most. */
  readonly takesCallbacks: boolean;
  /** Authenticates and reads a callback; the body has already been parsed (JSON, or parseCallbackBody). */
  verifyCallback(raw: RawCallback, json: unknown, nowSeconds: number): CallbackVerdict;
  /**
   * For a gateway whose callbacks are not JSON (Assist and Uniteller post forms): reads raw.body into what
   * verifyCallback takes as `json`. Absent: the body is parsed as JSON.
   */
  parseCallbackBody?(raw: RawCallback): { ok: true; value: unknown } | { ok: false; detail: string };
  /**
   * For a gateway whose protocol prescribes the answer to its callbacks (Assist's
   * pushpaymentresult XML): the body to answer with, the HTTP status staying Tollgate's.
   * `taken`: journaled and accepted, a duplicate, or ignored; otherwise refused with `code`.
   */
  callbackAnswer?(raw: RawCallback, verdict: { taken: true } | { taken: false; status: number; code: string }): { contentType: string; body: string };
  /**
   * Asks the gateway what became of a payment, for callbacks that never arrive. Undefined when
   * nothing final is known yet. Gateways without a status query (bank_transfer) leave it out.
   */
  paymentStatus?(payment: { id: string; mode: GatewayMode }): Promise<GatewayOutcome | undefined>;
  /**
   * The expiry (`YYYY-MM`) a stored payment-method token implies, for gateways whose tokens carry
   * one (the sandbox's `sandbox_expiring_<YYYY-MM>`); undefined when the token says nothing.
   */
  tokenExpiry?(token: string): string | undefined;
}

export type GatewayRegistry = ReadonlyMap<string, PaymentGateway>;

/** A merchant-initiated charge of a stored payment method (recurring billing). */
export interface ChargeRequest {
  /** `<subscriptionId>:<period>:<attempt>`: the gateway charges at most once per key. */
  idempotencyKey: string;
  token: string;
  amountMinor: bigint;
  currency: string;
  /** The mode the subscription was created in: the charge uses that mode's credentials. */
  mode: GatewayMode;
}

/** The gateway's answer, classified. Unknown outcomes are thrown as GatewayTimeoutError instead. */
export interface ChargeResult {
  /** action_required: the issuer wants the customer to authenticate (SCA); no money moved. */
  outcome: 'success' | 'soft_decline' | 'hard_decline' | 'technical_error' | 'action_required';
  code: string;
  message: string;
  transactionId?: string | undefined;
  ids?: GatewayIds | undefined;
}

/** The charge call's outcome is unknown (timeout, dropped connection): ask chargeStatus, never re-charge blindly. */
export class GatewayTimeoutError extends Error {
  override name = 'GatewayTimeoutError';
}

/**
 * The gateway has seen the charge with this key and not decided it yet (a debit still processing,
 * an authorisation awaiting capture): ask again later, never send it again — the gateway keeps a
 * key only so long (Stripe: 24 hours), and a charge re-sent after that is a second charge.
 */
export class ChargeUndecidedError extends Error {
  override name = 'ChargeUndecidedError';
}

/** The gateway has no credentials for the mode a charge must run in; it never falls back to the other. */
export class GatewayModeUnavailableError extends Error {
  override name = 'GatewayModeUnavailableError';
}

/** Gateways that can charge a stored payment method. */
export interface RecurringGateway extends PaymentGateway {
  /** Whether credentials for this mode are configured (a subscription charges only in its own mode). */
  hasMode(mode: GatewayMode): boolean;
  /** Throws GatewayModeUnavailableError when req.mode has no credentials. */
  charge(req: ChargeRequest): Promise<ChargeResult>;
  /**
   * What happened to the charge with this key; undefined if the gateway never saw it. Throws
   * ChargeUndecidedError when it saw the charge but has not decided it.
   */
  chargeStatus(idempotencyKey: string, mode: GatewayMode): Promise<ChargeResult | undefined>;
}

/** One refund of money a payment or a charge attempt captured. */
export interface RefundRequest {
  /** `refund:<refundId>`: the gateway refunds at most once per key. */
  idempotencyKey: string;
  refundId: string;
  amountMinor: bigint;
  currency: string;
  /** The mode the original payment or subscription started in. */
  mode: GatewayMode;
  /** What is refunded, by Tollgate's and the gateway's ids. */
  original: { paymentId?: string | undefined; chargeAttemptId?: string | undefined; transactionId: string | null; ids: GatewayIds };
  reason: string;
}

export function isRecurringGateway(g: PaymentGateway): g is RecurringGateway {
  return 'charge' in g && 'chargeStatus' in g;
}

/** What a gateway's checkout needs of a payment row. */
export function checkoutOf(
  p: { id: string; amount_minor: bigint; currency: string; description: string; reference: string; mode: GatewayMode; expires_at: Date },
  returnUrl: string,
): PaymentForCheckout {
  return { id: p.id, amountMinor: p.amount_minor, currency: p.currency, description: p.description, reference: p.reference, mode: p.mode, returnUrl, expiresAt: p.expires_at };
}

/** Whether a gateway declares a capability. */
export function can(g: PaymentGateway, capability: GatewayCapability): boolean {
  return g.capabilities.has(capability);
}
