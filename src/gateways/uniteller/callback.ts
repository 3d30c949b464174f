import type { GatewayMode, GatewaySettings } from '../settings.js';
import type { CallbackMessage, CallbackVerdict, RawCallback } from '../types.js';
import { orderOf } from './orders.js';
import { callbackSignature, signatureMatches } from './signature.js';
import { PAYMENT_OUTCOME_FOR_STATUS, unitellerStatus, type UnitellerStatus } from './statuses.js';

/**
 * Uniteller's notification of a changed order status (manual, "Уведомление интернет-магазина об
 * изменении статуса заказа"): a POST of application/x-www-form-urlencoded fields Order_ID, Status
 * and Signature to the URL set in Uniteller's cabinet (here /v1/callbacks/<gateway>).
 */
export function parseCallbackForm(raw: RawCallback): { ok: true; value: Record<string, string> } | { ok: false; detail: string } {
  if (raw.body.trimStart().startsWith('{')) return { ok: false, detail: 'the callback body is JSON, not Uniteller’s form' };
  return { ok: true, value: Object.fromEntries(new URLSearchParams(raw.body)) };
}

/**
 * Checks the Signature against each mode's password — the one that matches is the mode that
 * signed it, and the journal refuses it for a payment that started in the other mode (the Assist
 * seed's hazard: a transaction is confirmed only in the mode it started in) — then reads the
 * order it is about. The event id is the order and its status: Uniteller repeats a notification
 * until it is answered 200, and a repeat is a duplicate.
 */
export function verifyUnitellerCallback(settings: GatewaySettings, _raw: RawCallback, form: unknown): CallbackVerdict {
  const f = (form ?? {}) as Record<string, unknown>;
  const orderId = typeof f.Order_ID === 'string' ? f.Order_ID : undefined;
  const statusText = typeof f.Status === 'string' ? f.Status : undefined;
  const signature = typeof f.Signature === 'string' ? f.Signature : undefined;
  if (!signature) return { ok: false, reason: 'signature', detail: 'no Signature field' };
  if (orderId === undefined || statusText === undefined) return { ok: false, reason: 'signature', detail: 'the signed fields Order_ID and Status are not both there' };
  let signedMode: GatewayMode | undefined;
  for (const mode of ['test', 'live'] as const) {
    const password = settings.secrets[mode];
    if (password && signatureMatches(signature, callbackSignature(orderId, statusText, password))) {
      signedMode = mode;
      break;
    }
  }
  if (!signedMode) return { ok: false, reason: 'signature', detail: 'the Signature matches neither mode’s password' };
  const status = unitellerStatus(statusText);
  if (!status) return { ok: false, reason: 'schema', detail: `Uniteller status "${statusText.slice(0, 40)}" is not one Tollgate knows`, issues: [{ path: 'Status', message: `one of authorized, paid, not authorized, canceled, waiting` }] };
  return { ok: true, signedMode, message: messageOf(orderId, status) };
}

function messageOf(orderId: string, status: UnitellerStatus): CallbackMessage {
  const eventId = `${orderId}:${status}`;
  const order = orderOf(orderId);
  switch (order.kind) {
    case 'foreign':
      return { kind: 'ignored', eventId, why: `order ${orderId.slice(0, 80)} is not one Tollgate made` };
    case 'charge':
      // A recurring charge's outcome came back with the request that made it (the attempt keeps the
      // order number as its intent id, by which the journal finds it).
      return { kind: 'noted', eventId, target: { intentId: order.idempotencyKey }, note: `Uniteller order ${orderId} is ${status}` };
    case 'payment': {
      const outcome = PAYMENT_OUTCOME_FOR_STATUS[status];
      if (outcome === 'open') return { kind: 'noted', eventId, target: { paymentId: order.paymentId }, note: `Uniteller order ${orderId} is ${status}; the payer may still pay` };
      return {
        kind: 'payment',
        eventId,
        paymentId: order.paymentId,
        outcome:
          outcome === 'succeeded'
            ? { status: 'succeeded', gatewayTransactionId: orderId, ids: { sessionId: orderId }, paymentMethodToken: order.parentToken }
            : { status: 'failed', gatewayTransactionId: orderId, code: status, message: `Uniteller order ${status}` },
      };
    }
  }
}
