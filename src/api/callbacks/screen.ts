import type { InboundOutcome } from '../../db/inbound-requests.js';
import { ipAllowed } from '../../gateways/cidr.js';
import { describeLookup, journalTermsOf } from '../../relay/delivery.js';
import type { ActionableMessage, PaymentGateway } from '../../gateways/types.js';
import type { GatewayMode } from '../../gateways/settings.js';

/** Why a callback is refused: its journal outcome and its problem+json. */
export interface CallbackRefusal {
  ok: false;
  outcome: InboundOutcome;
  status: 400 | 401 | 403 | 404 | 413;
  code: string;
  detail: string;
  errors?: Array<{ path: string; message: string }> | undefined;
}

export type Screened =
  | CallbackRefusal
  | { ok: true; gateway: PaymentGateway; message: ActionableMessage; signedMode: GatewayMode }
  /** Authentic, but nothing of Tollgate's: journaled 'ignored' with why, answered 200. */
  | { ok: 'ignored'; gateway: PaymentGateway; why: string };

export const refusal = (outcome: InboundOutcome, status: CallbackRefusal['status'], code: string, detail: string, errors?: CallbackRefusal['errors']): CallbackRefusal => ({
  ok: false,
  outcome,
  status,
  code,
  detail,
  errors,
});

/**
 * Every check of a callback that needs no I/O, in the order the endpoint has always applied them:
 * the gateway, whether it takes callbacks, the sender's address, the size, the JSON, the signature
 * and the shape. Pure, so the endpoint journals the request with this verdict in the one INSERT
 * that commits before anything acts on it.
 */
export function screenCallback(s: {
  gateway: PaymentGateway | undefined;
  ip: string | undefined;
  body: string;
  truncated: boolean;
  headers: Record<string, string>;
  maxBodyBytes: number;
  nowSeconds: number;
}): Screened {
  const { gateway, ip } = s;
  if (!gateway) return refusal('rejected_unknown_gateway', 404, 'unknown_gateway', 'no such gateway');
  if (!gateway.takesCallbacks) return refusal('rejected_signature', 401, 'bad_signature', `${gateway.name} takes no callbacks; its payments settle from bank statements`);
  if (!ipAllowed(ip, gateway.settings.callbackAllowlist)) {
    return refusal('rejected_source', 403, 'forbidden_source', `callbacks for ${gateway.name} are not accepted from ${ip ?? 'an unknown address'}`);
  }
  if (s.truncated) return refusal('rejected_too_large', 413, 'payload_too_large', `callback bodies are limited to ${s.maxBodyBytes} bytes`);
  let json: unknown;
  if (gateway.parseCallbackBody) {
    const parsed = gateway.parseCallbackBody({ headers: s.headers, body: s.body });
    if (!parsed.ok) return refusal('rejected_malformed', 400, 'malformed_request', parsed.detail);
    json = parsed.value;
  } else {
    try {
      json = JSON.parse(s.body);
    } catch {
      return refusal('rejected_malformed', 400, 'malformed_request', 'the callback body is not valid JSON');
    }
  }
  const verdict = gateway.verifyCallback({ headers: s.headers, body: s.body }, json, s.nowSeconds);
  if (!verdict.ok) {
    return verdict.reason === 'signature'
      ? refusal('rejected_signature', 401, 'bad_signature', `callback signature check failed: ${verdict.detail}`)
      : refusal('rejected_schema', 400, 'validation_failed', verdict.detail, verdict.issues);
  }
  const { message } = verdict;
  if (message.kind === 'ignored') return { ok: 'ignored', gateway, why: message.why.slice(0, 500) };
  // Postgres can neither compare a NUL (no payment has one in its id) nor keep one in the signal's jsonb.
  const { lookup } = journalTermsOf(message);
  if (lookup.id.includes('\u0000')) return refusal('rejected_unknown_payment', 404, 'unknown_payment', `no ${gateway.name} ${describeLookup(lookup)}`);
  // A dispute's amount is a bigint, which JSON.stringify refuses: as text it holds no NUL either.
  if (JSON.stringify(message, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)).includes('\\u0000')) {
    return refusal('rejected_schema', 400, 'validation_failed', 'the callback contains text that cannot be stored (a NUL character)');
  }
  return { ok: true, gateway, message, signedMode: verdict.signedMode };
}
