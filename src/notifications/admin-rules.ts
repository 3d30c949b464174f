import type { NotificationRules } from './rules.js';

/** Admin e-mails by event type (webhook endpoint disabled, statement with unmatched lines, …). */
export const adminRules: NotificationRules = {};
