import type { ChargeResult } from '../types.js';

/**
 * Uniteller's order statuses (manual, "Статусы заказа"; the notification sends them in lower case,
 * the results request capitalised, e.g. "Not Authorized"): authorized — the money is blocked
 * (Tollgate takes no pre-authorisations, so this is a taken payment); paid — settled; not
 * authorized — the attempt was declined; canceled — unblocked or returned; waiting — an
 * electronic-money bill not paid yet.
 */
export const UNITELLER_STATUSES = ['authorized', 'paid', 'not authorized', 'canceled', 'waiting'] as const;
export type UnitellerStatus = (typeof UNITELLER_STATUSES)[number];

export function unitellerStatus(text: string): UnitellerStatus | undefined {
  const s = text.trim().toLowerCase();
  return (UNITELLER_STATUSES as readonly string[]).includes(s) ? (s as UnitellerStatus) : undefined;
}

/**
 * What a status means for a one-time payment through the hosted page. `open`: nothing final yet —
 * a declined attempt leaves the page open for another card until its Lifetime, so only the
 * payment's deadline fails it.
 */
export const PAYMENT_OUTCOME_FOR_STATUS = {
  authorized: 'succeeded',
  paid: 'succeeded',
  'not authorized': 'open',
  canceled: 'failed',
  waiting: 'open',
} as const satisfies Record<UnitellerStatus, 'succeeded' | 'failed' | 'open'>;

/**
 * What a status means for a recurring charge. `undecided`: Uniteller has the order and has not
 * decided it; it is asked again, never sent again. A `not authorized` order is then told hard or
 * soft by its Response_Code (./response-codes.ts); a canceled order moved no money and is soft.
 */
export const CHARGE_OUTCOME_FOR_STATUS = {
  authorized: 'success',
  paid: 'success',
  'not authorized': 'soft_decline',
  canceled: 'soft_decline',
  waiting: 'undecided',
} as const satisfies Record<UnitellerStatus, ChargeResult['outcome'] | 'undecided'>;
