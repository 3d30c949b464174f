import type { EventRow } from '../db/events.js';
import type { AggregateType, EventType } from './catalog.js';

/**
 * An event as a receiver sees it: the item of `GET /v1/events`, the body of `GET /v1/events/:id`
 * and, byte for byte, the body of its webhook. One function, so the three never drift. Its
 * document is the `Event` union of src/events/openapi.ts (payload by type: src/events/catalog.ts).
 * A receiver orders one aggregate's events by aggregate_version and de-duplicates by id.
 */
export interface EventJson {
  id: number;
  type: EventType;
  aggregate_type: AggregateType;
  aggregate_id: string;
  aggregate_version: number;
  payload: Record<string, unknown>;
  created_at: string;
}

export function eventJson(r: EventRow): EventJson {
  return {
    id: Number(r.id),
    // Typed as the catalog's: every write is one of its types, checked against it (payload-check.ts).
    type: r.type as EventType,
    aggregate_type: r.aggregate_type as AggregateType,
    aggregate_id: r.aggregate_id,
    aggregate_version: r.aggregate_version,
    payload: r.payload,
    created_at: r.created_at.toISOString(),
  };
}
