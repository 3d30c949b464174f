import { ValidationError } from '../domain/errors.js';
import type { Keyset } from '../db/keyset.js';

/**
 * Opaque keyset cursors for lists ordered newest first by (created_at, id). created_at travels as
 * Postgres's microsecond text (see src/db/keyset.ts), never through a millisecond Date.
 */
export function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(`${createdAt}|${id}`, 'utf8').toString('base64url');
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

export function decodeCursor(cursor: string | undefined): Keyset | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const bar = text.indexOf('|');
  const at = bar < 0 ? '' : text.slice(0, bar);
  const id = bar < 0 ? '' : text.slice(bar + 1);
  if (!TIMESTAMP.test(at) || Number.isNaN(Date.parse(at)) || id === '') {
    throw new ValidationError('cursor is not one this API returned', { errors: [{ path: 'cursor', message: 'pass next_cursor back unchanged' }] });
  }
  return { createdAt: at, id };
}

/** Takes one row more than the page to know whether there is a next page. */
export function page<T extends { id: string; cursor_at: string }>(rows: T[], limit: number): { data: T[]; next_cursor: string | null } {
  const data = rows.slice(0, limit);
  const last = data[data.length - 1];
  return { data, next_cursor: rows.length > limit && last !== undefined ? encodeCursor(last.cursor_at, last.id) : null };
}
