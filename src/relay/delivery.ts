import type { GatewayOutcome } from '../domain/payment.js';
import type { ActionableMessage, CallbackTarget, RefundOutcome } from '../gateways/types.js';
import type { DisputeUpdateSignal } from '../workflows/dispute-messages.js';

/** The Tollgate row a callback is for, as the journal resolved it (inbound_requests.target_kind/target_id). */
export type TargetKind = 'payment' | 'refund' | 'charge_attempt';
export interface ResolvedTarget {
  kind: TargetKind;
  id: string;
}

/** How the journal looks a message's target up: by Tollgate's id of a kind, or by the gateway's intent id. */
export interface TargetLookup {
  by: TargetKind | 'intent';
  id: string;
}

/**
 * What an accepted callback must do once it is committed, built from the message and the target
 * the journal resolved (and rebuilt by the relay from the row): signal a payment or a refund
 * workflow, signal-with-start a dispute's, or nothing but the mark (a note).
 */
export type Delivery =
  /** start: a terminal's pay, whose workflow this delivery starts with the outcome (src/temporal/terminal-start.ts). */
  | { kind: 'payment'; paymentId: string; outcome: GatewayOutcome; start?: true | undefined }
  | { kind: 'refund'; refundId: string; outcome: RefundOutcome }
  | { kind: 'dispute'; update: Omit<DisputeUpdateSignal, 'journalId'> }
  | { kind: 'noted'; note: string };

/** What the journal row keeps of a message for the relay (inbound_requests.signal): JSON, no bigint. */
export type StoredSignal =
  | { kind: 'payment'; outcome: GatewayOutcome }
  | { kind: 'refund'; outcome: RefundOutcome }
  | { kind: 'dispute'; dispute: { gatewayDisputeId: string; status: 'open' | 'won' | 'lost'; amountMinor: string; currency: string; reason: string | null } }
  | { kind: 'noted'; note: string };

function lookupOf(target: CallbackTarget | { refundId: string }): TargetLookup {
  if ('paymentId' in target) return { by: 'payment', id: target.paymentId };
  if ('chargeAttemptId' in target) return { by: 'charge_attempt', id: target.chargeAttemptId };
  if ('refundId' in target) return { by: 'refund', id: target.refundId };
  return { by: 'intent', id: target.intentId };
}

/** Where the journal finds a message's row, and what it stores for the relay. */
export function journalTermsOf(message: ActionableMessage): { lookup: TargetLookup; signal: StoredSignal } {
  switch (message.kind) {
    case 'payment':
      return { lookup: { by: 'payment', id: message.paymentId }, signal: { kind: 'payment', outcome: message.outcome } };
    case 'refund':
      return { lookup: { by: 'refund', id: message.refundId }, signal: { kind: 'refund', outcome: message.outcome } };
    case 'dispute': {
      const d = message.dispute;
      return {
        lookup: lookupOf(message.target),
        signal: { kind: 'dispute', dispute: { gatewayDisputeId: d.gatewayDisputeId, status: d.status, amountMinor: d.amountMinor.toString(), currency: d.currency, reason: d.reason ?? null } },
      };
    }
    case 'noted':
      return { lookup: lookupOf(message.target), signal: { kind: 'noted', note: message.note } };
  }
}

/**
 * The delivery of a journaled signal for its resolved target. Rows journaled before kinds existed
 * have no target kind: their signal is a payment outcome for payment_id. Undefined when the row
 * cannot be delivered (a dispute whose target is a refund: the journal never accepts one).
 */
export function deliveryOf(gateway: string, target: ResolvedTarget, signal: StoredSignal): Delivery | undefined {
  switch (signal.kind) {
    case 'payment':
      return target.kind === 'payment' ? { kind: 'payment', paymentId: target.id, outcome: signal.outcome } : undefined;
    case 'refund':
      return target.kind === 'refund' ? { kind: 'refund', refundId: target.id, outcome: signal.outcome } : undefined;
    case 'dispute':
      if (target.kind === 'refund') return undefined;
      return {
        kind: 'dispute',
        update: {
          gateway,
          ...signal.dispute,
          paymentId: target.kind === 'payment' ? target.id : null,
          chargeAttemptId: target.kind === 'charge_attempt' ? target.id : null,
        },
      };
    case 'noted':
      return { kind: 'noted', note: signal.note };
  }
}

/** A journal row's delivery, whether written with kinds or before them. */
export function deliveryOfRow(row: { channel?: string; source: string; payment_id: string | null; target_kind: string | null; target_id: string | null; signal: unknown }): Delivery | undefined {
  // A terminal's accepted pay (src/terminals/pay.ts): its payment's workflow starts with the success.
  if (row.channel === 'terminal') {
    const d = row.target_id ? deliveryOf(row.source, { kind: 'payment', id: row.target_id }, row.signal as StoredSignal) : undefined;
    return d?.kind === 'payment' ? { ...d, start: true } : undefined;
  }
  if (!row.target_kind) {
    return row.payment_id ? { kind: 'payment', paymentId: row.payment_id, outcome: row.signal as GatewayOutcome } : undefined;
  }
  if (!row.target_id) return undefined;
  return deliveryOf(row.source, { kind: row.target_kind as TargetKind, id: row.target_id }, row.signal as StoredSignal);
}

/** A short name of a delivery's target, for logs and refusals. */
export function describeLookup(l: TargetLookup): string {
  return l.by === 'intent' ? `payment or charge with intent ${l.id}` : `${l.by.replace('_', ' ')} ${l.id}`;
}
