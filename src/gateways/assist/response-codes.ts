/**
 * Assist's `responsecode` of a declined order, and what it means for a recurring charge:
 * `hard_decline` when the card will not work again (the subscription stops at once), `soft_decline`
 * when a later try may pass (the retry schedule runs).
 *
 * Assist's own page of response codes (docs.assist.ru / docs.belassist.by "Коды ответа") was not
 * found from here; the codes and their meanings are as two independent integrations publish them,
 * which agree code for code:
 *   - github.com/oxyum/django-assist-ru, assist/constants.py, RESPONSE_CODE_CHOICES (Russian:
 *     "ОТКАЗ В АВТОРИЗАЦИИ. Ошибочный номер карты", … for AS000–AS998, Assist Russia);
 *   - github.com/KudryavtsevSergey/laravel-belassist, src/Enum/ResponseCodeEnum.php (English
 *     names, Belarusian Assist: AS101 "wrong map [card] parameters", AS104 "invalid card expiration
 *     date", AS108 "suspected fraud", …).
 * Uniteller's manual (v1.43 rev. 48, 8.2) gives the same AS codes the same meanings with the ISO 8583
 * codes each gathers (../uniteller/response-codes.ts), which is where the hard/soft line below
 * follows. Only the three codes whose meaning names the card itself are hard; a code not listed,
 * or none, stays soft. Never checked against Assist's test or production system.
 */
export const ASSIST_DECLINE_CODES = {
  // "Отказ в авторизации": no reason given.
  AS100: 'soft_decline',
  // "Ошибочный номер карты": no such card.
  AS101: 'hard_decline',
  // "Недостаточно средств".
  AS102: 'soft_decline',
  // "Неверный срок действия карты": the stored card has expired (or was reissued).
  AS104: 'hard_decline',
  // "Превышен лимит" (the card's).
  AS105: 'soft_decline',
  // "Неверный PIN" (django-assist-ru only).
  AS106: 'soft_decline',
  // "Ошибка приема данных".
  AS107: 'soft_decline',
  // "Подозрение на мошенничество".
  AS108: 'hard_decline',
  // "Превышен лимит операций ASSIST": Assist's own limit, not the card's.
  AS109: 'soft_decline',
  // "Требуется авторизация по 3D-Secure".
  AS110: 'soft_decline',
  // "Повторите авторизацию".
  AS200: 'soft_decline',
  // "Ошибка системы".
  AS998: 'soft_decline',
} as const satisfies Record<string, 'hard_decline' | 'soft_decline'>;
export type AssistDeclineCode = keyof typeof ASSIST_DECLINE_CODES;

/** What a Declined recurring order's responsecode means; a code not in the table is soft, the safe default. */
export function assistDeclineOutcome(responseCode: string | undefined): 'hard_decline' | 'soft_decline' {
  const code = (responseCode ?? '').trim().toUpperCase();
  return Object.hasOwn(ASSIST_DECLINE_CODES, code) ? ASSIST_DECLINE_CODES[code as AssistDeclineCode] : 'soft_decline';
}
