import { cardExpiresAtMs, type SubscriptionState } from './subscription.js';

/** What a subscription waits for next; at equal times the earlier kind in MOMENT_ORDER goes first. */
export type Moment = { kind: 'ends' | 'card_expired' | 'expiry_notice' | 'charge'; at: number };
const MOMENT_ORDER: Moment['kind'][] = ['ends', 'card_expired', 'expiry_notice', 'charge'];

/** The part of a subscription's state that decides its next moment (times as ISO strings). */
export interface MomentFacts {
  state: SubscriptionState;
  nextChargeAt: string | null;
  retryAt: string | null;
  endsAt: string | null;
  automatic: boolean;
  cardExpires: string | null;
  /** The card expiry a card.expiring notice was already sent for. */
  expiryNoticeFor: string | null;
  cardExpiryNoticeMs: number;
}

/**
 * The next thing due: the end date, the card's expiry (REMP: a card stops its subscription when it
 * expires, the end of its month, after a card.expiring notice CARD_EXPIRY_NOTICE_DAYS before), or
 * the next charge (or retry). Pure, so the workflow's loop only sleeps and acts.
 */
export function nextMoment(f: MomentFacts, nowMs: number): Moment | null {
  const nextAt = f.nextChargeAt ? Date.parse(f.nextChargeAt) : null;
  const chargeAt = f.state === 'past_due' ? (f.retryAt ? Date.parse(f.retryAt) : nowMs) : nextAt;
  const moments: Moment[] = [];
  if (chargeAt !== null) moments.push({ kind: 'charge', at: chargeAt });
  const endsAt = f.endsAt ? Date.parse(f.endsAt) : null;
  if (endsAt !== null && f.state === 'active' && (nextAt === null || nextAt >= endsAt) && !f.automatic) moments.push({ kind: 'ends', at: endsAt });
  if (f.cardExpires) {
    const expiredAt = cardExpiresAtMs(f.cardExpires) + 1;
    moments.push({ kind: 'card_expired', at: expiredAt });
    if (f.expiryNoticeFor !== f.cardExpires) moments.push({ kind: 'expiry_notice', at: expiredAt - f.cardExpiryNoticeMs });
  }
  moments.sort((a, b) => a.at - b.at || MOMENT_ORDER.indexOf(a.kind) - MOMENT_ORDER.indexOf(b.kind));
  return moments[0] ?? null;
}
