import type { EventRow } from '../db/events.js';

/**
 * Typed reads of an event's payload. A rule that finds a field missing or of another type throws:
 * the payloads are written by this code base, so a mismatch is a bug to see, not an e-mail to guess.
 */
export function text(e: EventRow, key: string): string {
  const v = e.payload[key];
  if (typeof v !== 'string') throw new Error(`event ${e.id} (${e.type}) has no string ${key}`);
  return v;
}

export function optionalText(e: EventRow, key: string): string | null {
  const v = e.payload[key];
  return typeof v === 'string' && v !== '' ? v : null;
}

export function integer(e: EventRow, key: string): number {
  const v = e.payload[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new Error(`event ${e.id} (${e.type}) has no integer ${key}`);
  return v;
}

/** Minor units as the events carry them (a JSON integer, src/domain/money.ts toJsonMinor). */
export function minor(e: EventRow, key: string): bigint {
  return BigInt(integer(e, key));
}
