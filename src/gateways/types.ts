import type { GatewayOutcome } from '../domain/payment.js';
import type { GatewayMode, GatewaySettings } from './settings.js';

/** What a gateway adapter learns from a verified callback message. */
export interface CallbackMessage {
  /** The sender's id for this message; repeats carry the same id and are acted on once. */
  eventId: string;
  paymentId: string;
  outcome: GatewayOutcome;
}

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
  /** Where the payer's browser goes to pay. */
  checkoutUrl(payment: PaymentForCheckout): string;
  /** false for gateways that never call back (bank transfer): their callback route reads 1 KB at most. */
  readonly takesCallbacks: boolean;
  /** Authenticates and reads a callback; the JSON has already been parsed from raw.body. */
  verifyCallback(raw: RawCallback, json: unknown, nowSeconds: number): CallbackVerdict;
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
  outcome: 'success' | 'soft_decline' | 'hard_decline' | 'technical_error';
  code: string;
  message: string;
  transactionId?: string | undefined;
}

/** The charge call's outcome is unknown (timeout, dropped connection): ask chargeStatus, never re-charge blindly. */
export class GatewayTimeoutError extends Error {
  override name = 'GatewayTimeoutError';
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
  /** What happened to the charge with this key; undefined if the gateway never saw it. */
  chargeStatus(idempotencyKey: string, mode: GatewayMode): Promise<ChargeResult | undefined>;
}

export function isRecurringGateway(g: PaymentGateway): g is RecurringGateway {
  return 'charge' in g && 'chargeStatus' in g;
}

/** What a gateway's checkout needs of a payment row. */
export function checkoutOf(p: { id: string; amount_minor: bigint; currency: string; description: string; reference: string; mode: GatewayMode }): PaymentForCheckout {
  return { id: p.id, amountMinor: p.amount_minor, currency: p.currency, description: p.description, reference: p.reference, mode: p.mode };
}
