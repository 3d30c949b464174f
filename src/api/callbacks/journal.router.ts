import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { type InboundRequestRow, listInbound } from '../../db/inbound-requests.js';
import { pageOf } from '../cursor.js';
import type { AppEnv } from '../env.js';
import { requireScope } from '../middleware/auth.js';
import { bearer, problemResponses } from '../openapi-common.js';

const OUTCOMES = [
  'received', 'accepted', 'delivered', 'duplicate', 'late', 'rejected_signature', 'rejected_malformed', 'rejected_schema',
  'rejected_unknown_payment', 'rejected_unknown_gateway', 'rejected_too_large', 'rejected_source', 'ignored',
] as const;

/** What every journaled inbound request shows, whatever its channel (callbacks, terminals). */
export const InboundFields = {
  id: z.number().int(),
  received_at: z.string(),
  source_ip: z.string().nullable(),
  method: z.string(),
  path: z.string(),
  headers: z.record(z.string(), z.string()),
  body: z.string(),
  body_truncated: z.boolean(),
  outcome: z.string(),
  outcome_detail: z.string().nullable(),
  payment_id: z.string().nullable(),
  delivered_at: z.string().nullable(),
};

export function inboundFieldsJson(r: InboundRequestRow) {
  return {
    id: Number(r.id),
    received_at: r.received_at.toISOString(),
    source_ip: r.source_ip,
    method: r.method,
    path: r.path,
    headers: r.headers,
    body: r.body,
    body_truncated: r.body_truncated,
    outcome: r.outcome,
    outcome_detail: r.outcome_detail,
    payment_id: r.payment_id,
    delivered_at: r.delivered_at?.toISOString() ?? null,
  };
}

export const JournalEntry = z
  .object({
    ...InboundFields,
    gateway: z.string(),
    target_kind: z.enum(['payment', 'refund', 'charge_attempt']).nullable().openapi({ description: 'What the callback was for (null: refused before its row was found, or journaled before kinds existed — then payment_id)' }),
    target_id: z.string().nullable(),
    event_id: z.string().nullable(),
    delivery_attempts: z.number().int(),
  })
  .openapi('CallbackJournalEntry');

const listJournalRoute = createRoute({
  method: 'get',
  path: '/v1/callbacks',
  tags: ['Gateway callbacks'],
  summary: 'The callback journal: every request that reached a callback endpoint, newest first',
  description: 'Raw body, headers (credentials redacted), source address and how it ended. `accepted` rows are journaled and on their way to their payment workflow: queued in the API that answered them, or waiting for the relay (Temporal was unreachable, or that API stopped before signalling). `delivered`: the workflow has it; `late`: the payment had already ended (a late success is kept as a payment.late_success event).',
  security: bearer,
  middleware: [requireScope('admin')] as const,
  request: {
    query: z.object({
      gateway: z.string().max(50).optional(),
      outcome: z.enum(OUTCOMES).optional(),
      from: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Received at or after (ISO 8601)' }),
      to: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Received before (ISO 8601)' }),
      limit: z.coerce.number().int().min(1).max(500).default(50),
      cursor: z.string().regex(/^[1-9]\d{0,17}$/, 'pass next_cursor back unchanged').optional(),
    }),
  },
  responses: {
    200: { description: 'A page of the journal', content: { 'application/json': { schema: z.object({ data: z.array(JournalEntry), next_cursor: z.string().nullable() }) } } },
    ...problemResponses(400, 401, 403),
  },
});

export function callbackJournalRouter(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(listJournalRoute, async (c) => {
    const q = c.req.valid('query');
    const rows = await listInbound(c.get('deps').pool, {
      channel: 'callback',
      source: q.gateway,
      outcome: q.outcome,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
      beforeId: q.cursor ? BigInt(q.cursor) : undefined,
      limit: q.limit + 1,
    });
    const p = pageOf(rows, q.limit, (last) => last.id.toString());
    return c.json(
      {
        data: p.data.map((r) => ({
          ...inboundFieldsJson(r),
          gateway: r.source,
          target_kind: r.target_kind as 'payment' | 'refund' | 'charge_attempt' | null,
          target_id: r.target_id,
          event_id: r.event_id,
          delivery_attempts: r.attempts,
        })),
        next_cursor: p.next_cursor,
      },
      200,
    );
  });
  return app;
}
