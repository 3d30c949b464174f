import { z } from '@hono/zod-openapi';
import { EVENT_CATALOG, EVENT_TYPES, type EventType } from './catalog.js';
import type { EventSpec } from './schemas/common.js';

/** 'payment.late_success' → 'PaymentLateSuccess': the member's name in the document (PaymentLateSuccessEvent). */
export function eventSchemaName(type: EventType): string {
  return type.split(/[._]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

function member(type: EventType, spec: EventSpec) {
  return z
    .object({
      id: z.number().int().openapi({ description: 'Unique; de-duplicate by it (a webhook may come twice). Assigned in insert order, which is not the feed\'s order: page the feed with its next_cursor' }),
      type: z.literal(type),
      aggregate_type: z.enum(spec.aggregates as [string, ...string[]]),
      aggregate_id: z.string(),
      aggregate_version: z.number().int().min(1).openapi({ description: "1, 2, 3… per aggregate in the order its changes committed: order one aggregate's events by it" }),
      payload: spec.payload,
      created_at: z.string().openapi({ format: 'date-time' }),
    })
    .openapi(`${eventSchemaName(type)}Event`, { description: `\`${type}\`: ${spec.when}` });
}

/**
 * An event as GET /v1/events, GET /v1/events/:id and every webhook body carry it (eventJson):
 * one member per type of the catalog, told apart by `type`.
 */
export const EventSchema = z
  .discriminatedUnion('type', EVENT_TYPES.map((t) => member(t, EVENT_CATALOG[t])) as [ReturnType<typeof member>, ...Array<ReturnType<typeof member>>])
  .openapi('Event', { description: 'Ordering is not guaranteed (webhooks least of all): order one aggregate\'s events by aggregate_version, de-duplicate by id.' });
