import { z } from '@hono/zod-openapi';

/**
 * What every aggregate an event can belong to is called: the `aggregate_type` of the envelope, and
 * with `aggregate_id` the key a receiver orders one aggregate's events by (`aggregate_version`).
 */
export const AGGREGATE_TYPES = [
  'payment', 'subscription', 'refund', 'temporary_payment', 'charge_attempt', 'webhook_endpoint', 'bank_statement',
] as const;
export type AggregateType = (typeof AGGREGATE_TYPES)[number];

/**
 * One event type: the aggregates it is written on, when it is sent (the README's list and the
 * OpenAPI description say the same), and its payload. Payload objects are open in the document
 * (a receiver must ignore fields it does not know: new ones are added without a new version) and
 * closed when a write is checked (src/events/payload-check.ts), so a field written but not
 * documented is caught in development.
 */
export interface EventSpec<A extends AggregateType = AggregateType, P extends z.ZodObject = z.ZodObject> {
  aggregates: readonly A[];
  when: string;
  payload: P;
}

export function eventSpec<const A extends AggregateType, P extends z.ZodObject>(aggregates: readonly A[], when: string, payload: P): EventSpec<A, P> {
  return { aggregates, when, payload };
}

/** Money as every event writes it: integer minor units as a JSON number (toJsonMinor), never a float of major units. */
export const Minor = z.number().int().openapi({ description: 'Integer minor units (1815 = 18.15 PLN)', example: 1815 });
export const Currency = z.string().regex(/^[A-Z]{3}$/).openapi({ example: 'PLN' });
export const Mode = z.enum(['test', 'live']);
/** A time as the event writes it: ISO 8601 in UTC (Date#toISOString). */
export const Iso = z.string().openapi({ format: 'date-time', example: '2026-12-01T20:00:00.000Z' });
export const Id = z.string().min(1);
