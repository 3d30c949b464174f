import { StateConflictError } from './errors.js';

/** One-time payment states (DESIGN.md §4). The SQL CHECK in migrations uses the same list. */
export const PAYMENT_STATUSES = ['pending', 'succeeded', 'failed', 'expired', 'canceled'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export type FinalPaymentStatus = Exclude<PaymentStatus, 'pending'>;

/** Which states each state may move to. Final states move nowhere. */
export const PAYMENT_TRANSITIONS = {
  pending: ['succeeded', 'failed', 'expired', 'canceled'],
  succeeded: [],
  failed: [],
  expired: [],
  canceled: [],
} as const satisfies Record<PaymentStatus, readonly PaymentStatus[]>;

export function canTransition(from: PaymentStatus, to: PaymentStatus): boolean {
  return (PAYMENT_TRANSITIONS[from] as readonly PaymentStatus[]).includes(to);
}

export function assertTransition(from: PaymentStatus, to: PaymentStatus): void {
  if (!canTransition(from, to)) {
    throw new StateConflictError(`a ${from} payment cannot become ${to}`, { from, to });
  }
}

/** What a gateway reports about a payment, whichever way it arrived (callback or status query). */
export const GATEWAY_OUTCOMES = ['succeeded', 'failed'] as const;
export type GatewayOutcomeStatus = (typeof GATEWAY_OUTCOMES)[number];

/** The gateway's own ids for one payment or charge (hosted session, intent, charge), kept on its row. */
export interface GatewayIds {
  sessionId?: string | undefined;
  intentId?: string | undefined;
  chargeId?: string | undefined;
}

export interface GatewayOutcome {
  status: GatewayOutcomeStatus;
  gatewayTransactionId?: string | undefined;
  code?: string | undefined;
  message?: string | undefined;
  /** A reusable payment-method token the gateway returned (never card data). */
  paymentMethodToken?: string | undefined;
  paymentMethodExpires?: string | undefined;
  /** The gateway's ids learned with the outcome (a hosted checkout's intent and charge): stored on the payment. */
  ids?: GatewayIds | undefined;
  /**
   * What the gateway reports was paid, minor units as a decimal string (outcomes travel as JSON
   * through Temporal and the journal), when it reports it. A hosted form whose order fields travel
   * in the URL can be paid for another amount than the payment's (Assist's OrderAmount).
   */
  paidMinor?: string | undefined;
  paidCurrency?: string | undefined;
}

/**
 * Why a success cannot be the payment's: the gateway reports another amount or currency paid
 * than the payment's. Such a payment fails with code `amount_mismatch` (never `succeeded`: a
 * tampered amount would mark an invoice paid for 0.01); the money the gateway took stays visible
 * in the event's message and the gateway's books for a person to refund.
 */
export function paidMismatch(outcome: Pick<GatewayOutcome, 'paidMinor' | 'paidCurrency'>, payment: { amount_minor: bigint; currency: string }): string | undefined {
  const amountDiffers = outcome.paidMinor !== undefined && outcome.paidMinor !== payment.amount_minor.toString();
  const currencyDiffers = outcome.paidCurrency !== undefined && outcome.paidCurrency.toUpperCase() !== payment.currency.toUpperCase();
  if (!amountDiffers && !currencyDiffers) return undefined;
  return `the gateway reports ${outcome.paidMinor ?? '?'} minor units of ${outcome.paidCurrency ?? payment.currency} paid; the payment is ${payment.amount_minor} ${payment.currency}`;
}

/** Maps a gateway outcome onto the payment state exhaustively. */
export const PAYMENT_STATUS_FOR_OUTCOME = {
  succeeded: 'succeeded',
  failed: 'failed',
} as const satisfies Record<GatewayOutcomeStatus, FinalPaymentStatus>;

/** The event type appended when a payment reaches each final state. */
export const PAYMENT_EVENT_FOR_STATUS = {
  succeeded: 'payment.succeeded',
  failed: 'payment.failed',
  expired: 'payment.expired',
  canceled: 'payment.canceled',
} as const satisfies Record<FinalPaymentStatus, string>;
