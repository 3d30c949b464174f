import { adminRules } from './admin-rules.js';
import { customerRules } from './customer-rules.js';
import type { NotificationRule } from './rules.js';

/** Every rule for an event type, customer rules first. */
export function rulesFor(type: string): readonly NotificationRule[] {
  return [...(customerRules[type] ?? []), ...(adminRules[type] ?? [])];
}
