import type { ChargeResult } from '../types.js';

/**
 * The sandbox's response codes — ISO 8583 field 39 values, as card processors answer them — and
 * what each means for Tollgate, one table for every verdict the pretend processor gives (recurring
 * charges, the hosted checkout's buttons). Exhaustive: a code the sandbox can answer has a row here.
 */
export const SANDBOX_RESPONSE_CODES = {
  '00': { outcome: 'success', message: 'Approved' },
  '05': { outcome: 'hard_decline', message: 'Do not honour (declined on the sandbox page)' },
  '14': { outcome: 'hard_decline', message: 'Invalid card number (unknown sandbox token)' },
  '43': { outcome: 'hard_decline', message: 'Stolen card, pick up' },
  '51': { outcome: 'soft_decline', message: 'Insufficient funds' },
  '96': { outcome: 'technical_error', message: 'System malfunction at the processor' },
  // Visa's 1A, "additional customer authentication required": the PSD2 SCA soft decline.
  '1A': { outcome: 'action_required', message: 'Additional customer authentication required' },
} as const satisfies Record<string, { outcome: ChargeResult['outcome']; message: string }>;
export type SandboxResponseCode = keyof typeof SANDBOX_RESPONSE_CODES;

/** What the sandbox's ledger books for a code it answers with a booking (`approved` where Tollgate says success). */
export function ledgerVerdict(code: Exclude<SandboxResponseCode, '96'>): { outcome: 'approved' | 'soft_decline' | 'hard_decline' | 'action_required'; code: string; message: string } {
  const { outcome, message } = SANDBOX_RESPONSE_CODES[code];
  return { outcome: outcome === 'success' ? 'approved' : outcome, code, message };
}
