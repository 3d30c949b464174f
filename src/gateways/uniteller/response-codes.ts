/**
 * Uniteller's Response_Code values, from its manual "Технический порядок. Интернет-эквайринг"
 * (v1.43 rev. 48, section 8.2 "Значения поля response_code", pp. 83–84; the Russian text is kept in
 * github.com/i3bepb/uniteller-php-sdk, docs/): the acquirers' answers brought to one form, with the
 * ISO 8583 codes each one gathers (the cabinet's «Код ответа»). What a code means for a recurring
 * charge: `hard_decline` when the card or account will not work again, so the subscription stops
 * at once; `soft_decline` when a later try may pass, so the retry schedule runs. Taken from the
 * published text only; never checked against Uniteller's test or production system.
 */
export const UNITELLER_DECLINE_CODES = {
  // Other errors: no reason given, so a later try may pass.
  AS100: 'soft_decline',
  // Wrong card number (14, 15, 52, 53: no such card, issuer or account).
  AS101: 'hard_decline',
  // Insufficient funds (20, 51, 205).
  AS102: 'soft_decline',
  // Wrong expiry (54, 301: an expired card).
  AS104: 'hard_decline',
  // Limit exceeded (61, 65, 310).
  AS105: 'soft_decline',
  // Data reception error (96, 57, 58): a system malfunction among them, so not final.
  AS107: 'soft_decline',
  // Suspected fraud (CP, 04, 07, 33, 41, 43: pick up, lost, stolen).
  AS108: 'hard_decline',
  // Declined, no meaning given in the table.
  AS109: 'soft_decline',
  // Subscription not found: the recurring binding the charge names is gone.
  AS110: 'hard_decline',
  // SBP limits by sum and by count.
  AS111: 'soft_decline',
  AS112: 'soft_decline',
  // Operations in this merchant category are forbidden for the card.
  AS113: 'hard_decline',
  // Account blocked: a block can be lifted (unlike a closed account).
  AS114: 'soft_decline',
  // Account closed.
  AS115: 'hard_decline',
  // Forbidden by law.
  AS116: 'hard_decline',
  // Repeat the authorisation (19).
  AS200: 'soft_decline',
  // System error (F01–F46).
  AS998: 'soft_decline',
} as const satisfies Record<string, 'hard_decline' | 'soft_decline'>;
export type UnitellerDeclineCode = keyof typeof UNITELLER_DECLINE_CODES;

/** What a declined recurring charge's Response_Code means; a code not in the table is soft, the safe default. */
export function unitellerDeclineOutcome(responseCode: string): 'hard_decline' | 'soft_decline' {
  const code = responseCode.trim().toUpperCase();
  return Object.hasOwn(UNITELLER_DECLINE_CODES, code) ? UNITELLER_DECLINE_CODES[code as UnitellerDeclineCode] : 'soft_decline';
}
