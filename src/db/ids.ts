import { randomBytes } from 'node:crypto';

/** Prefixed random ids ("cus_…", "pay_…"): readable in logs and the Temporal UI, never guessable. */
export function newId(prefix: string): string {
  return newIds(prefix, 1).join('');
}

/** `count` ids as newId makes them, from one draw of random bytes rather than one per id (a statement's lines). */
export function newIds(prefix: string, count: number): string[] {
  const bytes = randomBytes(12 * count);
  return Array.from({ length: count }, (_, i) => `${prefix}_${bytes.toString('base64url', 12 * i, 12 * i + 12)}`);
}
