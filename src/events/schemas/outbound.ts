import { z } from '@hono/zod-openapi';
import { eventSpec, Id, Iso } from './common.js';

/** Other endpoints receive these events too: only the URL's origin (src/domain/webhook-url.ts). */
const ShownUrl = z.string().openapi({ description: "The endpoint URL's origin only (scheme, host, port): its path and query may hold the receiver's secret", example: 'https://billing.example.com' });

const Endpoint = z.object({
  endpoint_id: Id,
  url: ShownUrl,
  event_types: z.array(z.string()).openapi({ description: 'The types it receives; ["*"] is every type' }),
  enabled: z.boolean(),
});

export const WEBHOOK_ENDPOINT_EVENTS = {
  'webhook_endpoint.created': eventSpec(['webhook_endpoint'], 'A webhook endpoint was added.', Endpoint),
  'webhook_endpoint.updated': eventSpec(['webhook_endpoint'], 'A webhook endpoint was changed (URL, types, enabled).', Endpoint),
  'webhook_endpoint.deleted': eventSpec(['webhook_endpoint'], 'A webhook endpoint was deleted; its deliveries stop.', Endpoint),
  'webhook_endpoint.secret_rotated': eventSpec(['webhook_endpoint'], "A webhook endpoint's signing secret was rotated (the old one signs too until it expires).", Endpoint),
  'webhook_endpoint.disabled': eventSpec(['webhook_endpoint'], 'Tollgate disabled an endpoint: it answered 410 Gone, or it failed for days.', z.object({
    endpoint_id: Id,
    url: ShownUrl,
    reason: z.enum(['gone', 'failing']),
    failing_since: Iso.nullable(),
    disabled_at: Iso,
  })),
} as const;

const Count = z.number().int().min(0);

export const BANK_STATEMENT_EVENTS = {
  'bank_statement.imported': eventSpec(['bank_statement'], 'A bank statement was imported: how many lines, and how each ended.', z.object({
    statement_id: Id,
    format: z.string(),
    file_name: z.string().nullable(),
    lines: Count,
    outcomes: z.object({ matched: Count, amount_mismatch: Count, no_reference: Count, not_found: Count, duplicate: Count, ignored: Count }),
  })),
} as const;
