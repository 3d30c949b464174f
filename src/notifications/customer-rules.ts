import type { NotificationRules } from './rules.js';

/** Customer e-mails by event type (payment received, charge failed, …). */
export const customerRules: NotificationRules = {};
