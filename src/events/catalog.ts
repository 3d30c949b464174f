import type { z } from '@hono/zod-openapi';
import type { AggregateType, EventSpec } from './schemas/common.js';
import { BANK_STATEMENT_EVENTS, WEBHOOK_ENDPOINT_EVENTS } from './schemas/outbound.js';
import { PAYMENT_EVENTS } from './schemas/payment.js';
import { REFUND_EVENTS, TEMPORARY_PAYMENT_EVENTS } from './schemas/refund.js';
import { SUBSCRIPTION_EVENTS } from './schemas/subscription.js';

export { AGGREGATE_TYPES, type AggregateType } from './schemas/common.js';

/**
 * Every event type Tollgate writes, with its aggregates, when it is sent and its payload schema:
 * the one list that types appendEvent, checks each write (payload-check.ts), builds the OpenAPI
 * union (openapi.ts) and that the README's "Events" section follows. A type not here does not
 * compile at a write site.
 */
export const EVENT_CATALOG = {
  ...PAYMENT_EVENTS,
  ...REFUND_EVENTS,
  ...TEMPORARY_PAYMENT_EVENTS,
  ...SUBSCRIPTION_EVENTS,
  ...WEBHOOK_ENDPOINT_EVENTS,
  ...BANK_STATEMENT_EVENTS,
} as const satisfies Record<string, EventSpec>;

export type EventType = keyof typeof EVENT_CATALOG;

/** Every type, in the catalog's order (payments, refunds, temporary payments, subscriptions, webhooks, statements). */
export const EVENT_TYPES = Object.keys(EVENT_CATALOG) as [EventType, ...EventType[]];

/** Each type's payload as its schema describes it. */
export type EventPayloads = { [K in EventType]: z.infer<(typeof EVENT_CATALOG)[K]['payload']> };

/** The aggregates a type is written on. */
export type EventAggregate<K extends EventType> = (typeof EVENT_CATALOG)[K]['aggregates'][number];

/** The types written on one aggregate type (the subscription workflow's events are these for 'subscription'). */
export type EventTypeOn<A extends AggregateType> = { [K in EventType]: A extends EventAggregate<K> ? K : never }[EventType];

export function isEventType(t: string): t is EventType {
  return Object.hasOwn(EVENT_CATALOG, t);
}

/** The types a subscription's workflow writes on it (through writeState and recordChargeOutcome). */
export type SubscriptionEventType = Extract<EventType, `subscription.${string}` | 'card.expiring'>;

/**
 * A subscription event as its workflow states it: the payload without subscription_id, which the
 * write adds. A type, so workflow code (no zod there) can name it by `import type`.
 */
export type SubscriptionEvent = {
  [K in SubscriptionEventType]: { type: K; payload: Omit<EventPayloads[K], 'subscription_id'> };
}[SubscriptionEventType];
