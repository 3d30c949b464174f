import { OpenAPIHono, z } from '@hono/zod-openapi';
import { journalCallback } from '../../db/callback-journal.js';
import { deliveryOf, describeLookup, journalTermsOf } from '../../relay/delivery.js';
import { journalInbound, type NewInboundRequest, rejectInbound } from '../../db/inbound-requests.js';
import { ipAllowed } from '../../gateways/cidr.js';
import type { PaymentGateway } from '../../gateways/types.js';
import type { AppEnv } from '../env.js';
import { readBodyCapped, redactedHeaders, sourceIp } from '../inbound.js';
import { problemContent } from '../openapi-common.js';
import { problemBody, problemResponse } from '../problem.js';
import { createCallbackAlerts, isAlertedRefusal } from '../../notifications/callback-alert.js';
import { type CallbackRefusal, refusal, screenCallback } from './screen.js';

/** Of a callback to a gateway we do not have, the journal keeps this much body and name. */
export const UNKNOWN_GATEWAY_BODY_BYTES = 1024;
const UNKNOWN_GATEWAY_NAME_CHARS = 64;
const UNKNOWN_GATEWAY_LABEL = '(unknown)';

const CallbackReceipt = z
  .object({
    received: z.literal(true),
    journal_id: z.number().int(),
    status: z.enum(['accepted', 'duplicate', 'ignored']).openapi({
      description:
        "'accepted': journaled (committed) and queued for its payment workflow, which this process signals next — " +
        "or, should that fail or the process stop, the relay does. 'duplicate': the sender's message id was already " +
        "accepted; nothing more is done. 'ignored': authentic, but about nothing of Tollgate's (the journal row says why); " +
        'nothing is done, and the sender need not retry. Whether and when it reached the workflow (delivered, or late: the payment had ' +
        "already ended) is the journal row's outcome: GET /v1/callbacks (admin), the entry with id journal_id.",
    }),
  })
  .openapi('CallbackReceipt');

/**
 * Gateway callbacks. Each request is checked (screen.ts: no I/O), then journaled (raw body,
 * headers, source IP) with its verdict — accepted, a duplicate of the sender's message id, or why it
 * is refused — in one INSERT that commits before anything acts on it (DESIGN.md §3.4). The answer
 * waits for that commit and no more: an accepted row is handed to this process's dispatcher
 * (src/relay/callback-dispatch.ts), which signals its payment workflow and marks it 'delivered' or
 * 'late' after the answer. A request takes its place in the dispatcher's bounded backlog before the
 * INSERT, so a full backlog slows answers rather than queueing without bound. Every refusal is
 * recorded on the journal row and changes nothing else.
 */
export function callbacksRouter(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/callbacks/{gateway}',
    tags: ['Gateway callbacks'],
    summary: 'Receive a gateway callback (signed with Standard Webhooks headers)',
    request: { params: z.object({ gateway: z.string().openapi({ param: { name: 'gateway', in: 'path' }, example: 'sandbox' }) }) },
    responses: {
      200: {
        description:
          'Journaled and queued for its payment workflow (or recognised as a repeat); delivery shows on the journal row. ' +
          "A gateway whose protocol prescribes its answer gets that instead, with the same statuses (assist: Assist's pushpaymentresult XML; its notification is a form post).",
        content: { 'application/json': { schema: CallbackReceipt }, 'application/xml': { schema: z.string() } },
      },
      400: { description: 'Malformed JSON or wrong shape', content: problemContent },
      401: { description: 'Missing or bad signature', content: problemContent },
      403: { description: "The sender's address is outside the gateway's callback allowlist", content: problemContent },
      404: { description: 'Unknown gateway or payment', content: problemContent },
      413: { description: 'Body too large', content: problemContent },
    },
  });

  // Per app: the alert's memory of the keys it wrote this hour (callback-alert.ts).
  let alerts: ReturnType<typeof createCallbackAlerts> | undefined;

  app.post('/v1/callbacks/:gateway', async (c) => {
    const deps = c.get('deps');
    const gatewayName = c.req.param('gateway');
    const gateway = deps.gateways.get(gatewayName);
    // A name we do not know, a gateway that never calls back, or a sender outside the allowlist is
    // answered after reading only the first bytes (and unknown names are counted under one label):
    // a stranger cannot fill the journal or the metrics.
    const ip = sourceIp(c);
    const alerter = (alerts ??= createCallbackAlerts(deps));
    // After the journal row's commit, and only for a gateway we have (a stranger cannot choose the key).
    const alert = (outcome: string, journalId: bigint) => {
      if (gateway && isAlertedRefusal(outcome)) alerter.refused({ gateway: gateway.name, outcome, sourceIp: ip, journalId, at: deps.now() });
    };
    const listening = gateway !== undefined && gateway.takesCallbacks && ipAllowed(ip, gateway.settings.callbackAllowlist);
    const cap = listening ? deps.config.MAX_BODY_BYTES : UNKNOWN_GATEWAY_BODY_BYTES;
    const { text, truncated } = await readBodyCapped(c.req.raw, cap);
    const metricsGateway = gateway ? gateway.name : UNKNOWN_GATEWAY_LABEL;
    const headers = c.req.header(); // read once: for the signature check and, redacted, the journal
    const request: NewInboundRequest = {
      channel: 'callback',
      source: gateway ? gateway.name : gatewayName.slice(0, UNKNOWN_GATEWAY_NAME_CHARS),
      method: c.req.method,
      path: c.req.path.slice(0, 200),
      headers: redactedHeaders(headers),
      body: text,
      bodyTruncated: truncated,
      sourceIp: ip,
    };
    const rawCallback = { headers, body: text };
    // A gateway whose protocol prescribes its answer (Assist) gets it, with Tollgate's status.
    const prescribed = (status: 200 | CallbackRefusal['status'], verdict: Parameters<NonNullable<PaymentGateway['callbackAnswer']>>[1]) => {
      const a = gateway?.callbackAnswer?.(rawCallback, verdict);
      return a ? c.body(a.body, status, { 'content-type': a.contentType, ...(truncated ? { connection: 'close' } : {}) }) : undefined;
    };
    const receipt = (journalId: bigint, status: 'accepted' | 'duplicate' | 'ignored') =>
      prescribed(200, { taken: true }) ?? c.json({ received: true as const, journal_id: Number(journalId), status }, 200);
    const answer = (r: CallbackRefusal) => {
      deps.metrics.callbacks.inc({ gateway: metricsGateway, outcome: r.outcome });
      const own = prescribed(r.status, { taken: false, status: r.status, code: r.code });
      if (own) return own;
      // A body read only in part is still in flight: the connection cannot carry the next request
      // (a client that reused it would see it closed under its next request).
      return problemResponse(c, r.status, problemBody(r.status, r.code, r.detail, c.get('requestId'), r.errors), truncated ? { connection: 'close' } : {});
    };

    // Checks without I/O come first, so the journal row is written once with its verdict. Refused
    // or not, nothing acts on a request before its row is committed.
    const screened = screenCallback({
      gateway,
      ip,
      body: text,
      truncated,
      headers,
      maxBodyBytes: deps.config.MAX_BODY_BYTES,
      nowSeconds: Math.floor(deps.now().getTime() / 1000),
    });
    if (!screened.ok) {
      const id = await journalInbound(deps.pool, request, { outcome: screened.outcome, detail: screened.detail });
      alert(screened.outcome, id);
      return answer(screened);
    }
    if (screened.ok === 'ignored') {
      const id = await journalInbound(deps.pool, request, { outcome: 'ignored', detail: screened.why });
      deps.metrics.callbacks.inc({ gateway: metricsGateway, outcome: 'ignored' });
      return receipt(id, 'ignored');
    }
    const { message, signedMode } = screened;
    const terms = journalTermsOf(message);
    // The place in the backlog first: an accepted row is then handed over at once, never held
    // here unqueued, and the relay's wait (dispatchBoundMs) counts from its decided_at.
    const slot = await deps.callbackDispatch.reserve();
    const entry = await journalCallback(deps.pool, { ...request, eventId: message.eventId, lookup: terms.lookup, signedMode, signal: terms.signal }).catch(
      (err: unknown) => {
        slot.release(); // nothing was journaled (Postgres away: a 503), so nothing to signal
        throw err;
      },
    );
    if (entry.outcome === 'accepted') {
      const delivery = deliveryOf(screened.gateway.name, entry.target, terms.signal);
      if (!delivery) {
        slot.release();
        throw new Error(`journal row ${entry.id}: a ${message.kind} message resolved to a ${entry.target.kind}`);
      }
      slot.dispatch({ journalId: entry.id, delivery });
    } else slot.release();
    if (entry.outcome === 'received') {
      // A payment (and its refunds and charges) keeps the mode it started in: a live-signed
      // callback cannot complete a test payment.
      const what = describeLookup(terms.lookup);
      const why = entry.found?.gateway === screened.gateway.name
        ? refusal('rejected_signature', 401, 'bad_signature', `signed with the ${signedMode} secret, but ${what} runs in ${entry.found.mode} mode`)
        : refusal('rejected_unknown_payment', 404, 'unknown_payment', `no ${screened.gateway.name} ${what}`);
      await rejectInbound(deps.pool, entry.id, why.outcome, why.detail);
      alert(why.outcome, entry.id);
      return answer(why);
    }
    if (entry.outcome === 'duplicate') {
      deps.metrics.callbacks.inc({ gateway: metricsGateway, outcome: 'duplicate' });
      return receipt(entry.id, 'duplicate');
    }
    deps.metrics.callbacks.inc({ gateway: metricsGateway, outcome: 'accepted' });
    return receipt(entry.id, 'accepted');
  });

  return app;
}
