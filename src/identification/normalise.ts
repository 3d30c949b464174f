import { IDENTIFIER_KINDS, type IdentifierKind } from './types.js';

/** The kinds kept in customer_identifiers; `uid` is customers.external_ref itself, set when the customer is created. */
export const STORED_IDENTIFIER_KINDS = IDENTIFIER_KINDS.filter((k): k is Exclude<IdentifierKind, 'uid'> => k !== 'uid');
export type StoredIdentifierKind = (typeof STORED_IDENTIFIER_KINDS)[number];

/** Longest identifier value kept or looked up (as customers.external_ref). */
export const MAX_IDENTIFIER_LENGTH = 200;

/** A phone as people write it: an optional leading +, digits, and spaces, dashes, dots or parentheses between them. */
const PHONE = /^\+?[\d\s().-]+$/;
/** E.164 numbers have at most 15 digits; a few more leaves room for local prefixes. */
const PHONE_DIGITS = { min: 3, max: 20 };

/**
 * The one form a value of this kind is stored and looked up in, or why it cannot be one. Every
 * kind is trimmed; a phone keeps only its digits ("+48 600-100-200" → "48600100200"), so a payer
 * who types it with or without the + and the spaces finds the same customer.
 */
export function normaliseIdentifier(kind: IdentifierKind, raw: string): { value: string } | { problem: string } {
  const value = raw.trim();
  if (value === '') return { problem: 'must not be empty (null removes it)' };
  if (value.length > MAX_IDENTIFIER_LENGTH) return { problem: `must be at most ${MAX_IDENTIFIER_LENGTH} characters` };
  // No identifier holds one, and Postgres cannot even compare a NUL: a payer's stray byte is a miss, not an error.
  if (/\p{Cc}/u.test(value)) return { problem: 'must not contain control characters' };
  if (kind !== 'phone') return { value };
  if (!PHONE.test(value)) return { problem: 'must be digits, with an optional leading + and spaces, dashes, dots or parentheses' };
  const digits = value.replace(/\D/g, '');
  if (digits.length < PHONE_DIGITS.min || digits.length > PHONE_DIGITS.max) return { problem: `must have ${PHONE_DIGITS.min} to ${PHONE_DIGITS.max} digits` };
  return { value: digits };
}
