import { randomBytes } from 'node:crypto';

/** Prefixed random ids ("cus_…", "pay_…"): readable in logs and the Temporal UI, never guessable. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}
