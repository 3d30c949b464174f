import { z } from 'zod';
import { newId } from '../db/ids.js';
import { isCurrencyCode, parseDecimal } from '../domain/money.js';
import { webhookHeaders } from '../gateways/standard-webhooks.js';
import { type OutboundPolicy, safeRequest } from '../outbound/safe-request.js';
import type { IdentifierKind } from './types.js';

/**
 * The payer lookup hook: the billing system asked, at the moment a payer stands at a terminal,
 * who the customer is and what its balance is. A signed POST (Standard Webhooks headers, as the
 * amount hook's — src/activities/subscriptions.ts callAmountHook — with LOOKUP_HOOK_SECRET):
 *
 *   {"type": "payer.lookup_requested",
 *    "data": {"channel": "osmp", "kind": "contract", "kinds": ["contract", "login"],
 *             "identifier": "A-1001", "customer": "LMS-10042"}}
 *
 * `kinds` are the channel's identifier kinds, in order. When Tollgate's own identifiers found a
 * customer, `kind` is the one that matched, `identifier` its normalised value and `customer` that
 * customer's external_ref. When they found none the hook is asked all the same (the billing system
 * may know an identifier it never pushed; and a hit and a miss are one POST alike):
 *
 *   {"type": "payer.lookup_requested",
 *    "data": {"channel": "osmp", "kind": null, "kinds": ["contract", "login"],
 *             "identifier": "A-1001", "customer": null}}
 *
 * with `identifier` what the payer typed after the channel's account expression. The answer:
 *
 *   {"customer": "LMS-10042", "name": "Jan Kowalski", "balance": "-12.50", "currency": "PLN",
 *    "active": true, "recommended": "20.00"}      (name, active, recommended optional)
 *   {"found": false}                              (the billing system knows no such account)
 *
 * Amounts are decimal strings in the currency's units. The answer's `customer` is the billing
 * system's own id, a Tollgate customer's external_ref (it may have moved the identifier since it
 * was pushed, or never pushed it); one that is no Tollgate customer's external_ref is not_found,
 * as Tollgate can take money only for a customer it has. Anything else — timeout, refusal under
 * the outbound rule, a non-2xx, a body that is not this — is `unavailable`, never a guess.
 */
export type LookupHookRequest = {
  channel: string;
  kinds: readonly IdentifierKind[];
  identifier: string;
} & ({ kind: IdentifierKind; customer: string } | { kind: null; customer: null });

export type LookupHookAnswer =
  | { kind: 'found'; customer: string; name: string | null; balanceMinor: bigint; currency: string; active: boolean; recommendedMinor: bigint | null }
  | { kind: 'not_found' }
  | { kind: 'unavailable'; reason: string };

export interface LookupHookOptions {
  url: string;
  secret: string;
  timeoutMs: number;
  outbound: OutboundPolicy & { maxResponseBytes: number };
}

const Decimal = z.string().max(40);
const Answer = z.union([
  z.object({ found: z.literal(false) }),
  z.object({
    found: z.literal(true).optional(),
    customer: z.string().min(1).max(200),
    name: z.string().max(300).optional(),
    balance: Decimal,
    currency: z.string().refine(isCurrencyCode, 'an ISO 4217 code'),
    active: z.boolean().optional(),
    recommended: Decimal.optional(),
  }),
]);

export async function askLookupHook(o: LookupHookOptions, req: LookupHookRequest): Promise<LookupHookAnswer> {
  const body = JSON.stringify({ type: 'payer.lookup_requested', data: req });
  const id = newId('lkp');
  const res = await safeRequest(
    o.url,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...webhookHeaders(o.secret, id, Math.floor(Date.now() / 1000), body) },
      body,
      timeoutMs: o.timeoutMs,
      maxResponseBytes: o.outbound.maxResponseBytes,
    },
    o.outbound,
  );
  if (!res.ok) return { kind: 'unavailable', reason: res.failure === 'http_status' ? `lookup hook answered HTTP ${res.status ?? 0}` : `lookup hook failed: ${res.failure}` };
  let json: unknown;
  try {
    json = JSON.parse(res.body.toString('utf8'));
  } catch {
    return { kind: 'unavailable', reason: 'lookup hook answered something that is not JSON' };
  }
  const parsed = Answer.safeParse(json);
  if (!parsed.success) return { kind: 'unavailable', reason: 'lookup hook answered without customer, balance and currency or found: false' };
  const a = parsed.data;
  if ('found' in a && a.found === false) return { kind: 'not_found' };
  if (!('customer' in a)) return { kind: 'unavailable', reason: 'lookup hook answered without a customer' };
  try {
    return {
      kind: 'found',
      customer: a.customer,
      name: a.name ?? null,
      balanceMinor: parseDecimal(a.balance, a.currency).minor,
      currency: a.currency,
      active: a.active ?? true,
      recommendedMinor: a.recommended === undefined ? null : parseDecimal(a.recommended, a.currency).minor,
    };
  } catch {
    return { kind: 'unavailable', reason: 'lookup hook answered an amount that is not a decimal in its currency' };
  }
}
