import type { Config } from '../config.js';
import type { EventRow } from '../db/events.js';
import type { NewNotification } from '../db/notifications.js';
import type { Queryable } from '../db/pool.js';

/** What a rule may read beside the event: the fan-out's transaction and the e-mail settings. */
export interface RuleContext {
  tx: Queryable;
  config: Pick<Config, 'ADMIN_EMAILS' | 'ADMIN_LOCALE' | 'CUSTOMER_EMAILS' | 'publicBaseUrl' | 'EMAIL_TIME_ZONE' | 'DAILY_SUMMARY_TIME_ZONE'>;
}

/**
 * Turns one event into the e-mails it causes (often none). Rules are per event type; the
 * notifications sink runs every rule of an event's type and inserts what they return (the dedupe
 * key makes a repeated fan-out harmless). A rule reads, never writes.
 */
export type NotificationRule = (event: EventRow, ctx: RuleContext) => Promise<NewNotification[]>;
export type NotificationRules = Partial<Record<string, readonly NotificationRule[]>>;
