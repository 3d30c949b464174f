import type { EventRow } from '../db/events.js';

/**
 * An event as a receiver sees it: the item of `GET /v1/events`, the body of `GET /v1/events/:id`
 * and, byte for byte, the body of its webhook. One function, so the three never drift.
 */
export interface EventJson {
  id: number;
  type: string;
  aggregate_type: string;
  aggregate_id: string;
  payload: Record<string, unknown>;
  created_at: string;
}

export function eventJson(r: EventRow): EventJson {
  return {
    id: Number(r.id),
    type: r.type,
    aggregate_type: r.aggregate_type,
    aggregate_id: r.aggregate_id,
    payload: r.payload,
    created_at: r.created_at.toISOString(),
  };
}
