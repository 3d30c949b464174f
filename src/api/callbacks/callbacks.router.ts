import { OpenAPIHono, z } from '@hono/zod-openapi';
import {
  acceptInbound,
  type InboundOutcome,
  journalInbound,
  rejectInbound,
} from '../../db/inbound-requests.js';
import { findPayment } from '../../db/payments.js';
import { ipAllowed } from '../../gateways/cidr.js';
import type { AppEnv } from '../env.js';
import { journalHeaders, readBodyCapped, sourceIp } from '../inbound.js';
import { problemContent } from '../openapi-common.js';
import { problemBody, problemResponse } from '../problem.js';
import { deliverCallback } from '../../relay/index.js';

/** Of a callback to a gateway we do not have, the journal keeps this much body and name. */
export const UNKNOWN_GATEWAY_BODY_BYTES = 1024;
const UNKNOWN_GATEWAY_NAME_CHARS = 64;
const UNKNOWN_GATEWAY_LABEL = '(unknown)';

const CallbackReceipt = z
  .object({
    received: z.literal(true),
    journal_id: z.number().int(),
    status: z.enum(['delivered', 'accepted', 'duplicate', 'late']),
  })
  .openapi('CallbackReceipt');

/**
 * Gateway callbacks. Each request is journaled (raw body, headers, source IP) and committed before
 * anything acts on it; then it is checked, de-duplicated by the sender's message id, and signalled
 * to the payment workflow. Every refusal is recorded on the journal row and changes nothing else.
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
      200: { description: 'Journaled and accepted (or recognised as a repeat)', content: { 'application/json': { schema: CallbackReceipt } } },
      400: { description: 'Malformed JSON or wrong shape', content: problemContent },
      401: { description: 'Missing or bad signature', content: problemContent },
      403: { description: "The sender's address is outside the gateway's callback allowlist", content: problemContent },
      404: { description: 'Unknown gateway or payment', content: problemContent },
      413: { description: 'Body too large', content: problemContent },
    },
  });

  app.post('/v1/callbacks/:gateway', async (c) => {
    const deps = c.get('deps');
    const gatewayName = c.req.param('gateway');
    const gateway = deps.gateways.get(gatewayName);
    // A name we do not know, a gateway that never calls back, or a sender outside the allowlist is
    // answered after reading only the first bytes (and unknown names are counted under one label):
    // a stranger cannot fill the journal or the metrics.
    const ip = sourceIp(c);
    const listening = gateway !== undefined && gateway.takesCallbacks && ipAllowed(ip, gateway.settings.callbackAllowlist);
    const cap = listening ? deps.config.MAX_BODY_BYTES : UNKNOWN_GATEWAY_BODY_BYTES;
    const { text, truncated } = await readBodyCapped(c.req.raw, cap);
    const metricsGateway = gateway ? gateway.name : UNKNOWN_GATEWAY_LABEL;
    const journalId = await journalInbound(deps.pool, {
      channel: 'callback',
      source: gateway ? gateway.name : gatewayName.slice(0, UNKNOWN_GATEWAY_NAME_CHARS),
      method: c.req.method,
      path: c.req.path.slice(0, 200),
      headers: journalHeaders(c),
      body: text,
      bodyTruncated: truncated,
      sourceIp: sourceIp(c),
    });
    const refuse = async (
      outcome: InboundOutcome,
      status: 400 | 401 | 403 | 404 | 413,
      code: string,
      detail: string,
      errors?: Array<{ path: string; message: string }>,
    ) => {
      await rejectInbound(deps.pool, journalId, outcome, detail);
      deps.metrics.callbacks.inc({ gateway: metricsGateway, outcome });
      return problemResponse(c, status, problemBody(status, code, detail, c.get('requestId'), errors));
    };

    if (!gateway) return refuse('rejected_unknown_gateway', 404, 'unknown_gateway', 'no such gateway');
    if (!gateway.takesCallbacks) return refuse('rejected_signature', 401, 'bad_signature', `${gateway.name} takes no callbacks; its payments settle from bank statements`);
    if (!ipAllowed(ip, gateway.settings.callbackAllowlist)) {
      return refuse('rejected_source', 403, 'forbidden_source', `callbacks for ${gateway.name} are not accepted from ${ip ?? 'an unknown address'}`);
    }
    if (truncated) return refuse('rejected_too_large', 413, 'payload_too_large', `callback bodies are limited to ${deps.config.MAX_BODY_BYTES} bytes`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return refuse('rejected_malformed', 400, 'malformed_request', 'the callback body is not valid JSON');
    }
    const verdict = gateway.verifyCallback({ headers: c.req.header(), body: text }, json, Math.floor(deps.now().getTime() / 1000));
    if (!verdict.ok) {
      return verdict.reason === 'signature'
        ? refuse('rejected_signature', 401, 'bad_signature', `callback signature check failed: ${verdict.detail}`)
        : refuse('rejected_schema', 400, 'validation_failed', verdict.detail, verdict.issues);
    }
    const { message } = verdict;
    const payment = await findPayment(deps.pool, message.paymentId);
    if (!payment || payment.gateway !== gateway.name) {
      return refuse('rejected_unknown_payment', 404, 'unknown_payment', `no ${gateway.name} payment ${message.paymentId}`);
    }
    // A payment keeps the mode it started in: a live-signed callback cannot complete a test payment.
    if (verdict.signedMode !== payment.mode) {
      return refuse('rejected_signature', 401, 'bad_signature', `signed with the ${verdict.signedMode} secret, but payment ${payment.id} runs in ${payment.mode} mode`);
    }
    const first = await acceptInbound(deps.pool, journalId, { eventId: message.eventId, paymentId: payment.id, signal: message.outcome });
    if (!first) {
      deps.metrics.callbacks.inc({ gateway: metricsGateway, outcome: 'duplicate' });
      return c.json({ received: true as const, journal_id: Number(journalId), status: 'duplicate' as const }, 200);
    }
    const delivered = await deliverCallback(deps, journalId, payment.id, message.outcome);
    const status = delivered === 'pending' ? 'accepted' : delivered;
    deps.metrics.callbacks.inc({ gateway: metricsGateway, outcome: status });
    return c.json({ received: true as const, journal_id: Number(journalId), status }, 200);
  });

  return app;
}
