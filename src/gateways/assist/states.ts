import type { ChargeResult } from '../types.js';

/**
 * Assist's order states, from "OrderState field values" (https://docs.assist.ru/display/BEE/OrderState+field+values).
 * Tollgate starts single-stage payments (Delay=0), so Delayed and PartialDelayed (a two-stage
 * authorisation waiting for its confirmation) should not occur; if one does, the money is not
 * captured yet and the payment keeps waiting.
 */
export const ASSIST_ORDER_STATES = ['In Process', 'Delayed', 'Approved', 'PartialApproved', 'PartialDelayed', 'Canceled', 'PartialCanceled', 'Declined', 'Timeout'] as const;
export type AssistOrderState = (typeof ASSIST_ORDER_STATES)[number];

export function isAssistOrderState(s: string): s is AssistOrderState {
  return (ASSIST_ORDER_STATES as readonly string[]).includes(s);
}

/**
 * What a one-time payment's order state means for the payment. PartialApproved ("not used", say
 * the docs) is left waiting rather than called a success for less than was asked. PartialCanceled
 * is an approved payment of which a part was given back: the money was taken. Declined leaves the
 * payment waiting: the payer may try another card on the same OrderNumber until the payment's
 * deadline (as Uniteller's "not authorized"), and the deadline expires it.
 */
export const PAYMENT_VERDICT_FOR_STATE = {
  'In Process': 'pending',
  Delayed: 'pending',
  Approved: 'succeeded',
  PartialApproved: 'pending',
  PartialDelayed: 'pending',
  Canceled: 'failed',
  PartialCanceled: 'succeeded',
  Declined: 'pending',
  Timeout: 'failed',
} as const satisfies Record<AssistOrderState, 'pending' | 'succeeded' | 'failed'>;

/**
 * What a recurring order's state means for the charge attempt; 'undecided' is asked about again,
 * never sent again. A closed or canceled order moved no money. A Declined order is soft here; its
 * `responsecode` then decides (./response-codes.ts: a wrong card number, an expired card or
 * suspected fraud stop the subscription at once, every other code runs the retry schedule).
 */
export const CHARGE_VERDICT_FOR_STATE = {
  'In Process': 'undecided',
  Delayed: 'undecided',
  Approved: 'success',
  PartialApproved: 'undecided',
  PartialDelayed: 'undecided',
  Canceled: 'technical_error',
  PartialCanceled: 'success',
  Declined: 'soft_decline',
  Timeout: 'technical_error',
} as const satisfies Record<AssistOrderState, ChargeResult['outcome'] | 'undecided'>;
