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

/** The cursor of a row of a list ordered newest first by (created_at, id) that selects CURSOR_AT. */
export const keysetCursor = (row: { id: string; cursor_at: string }): string => encodeCursor(row.cursor_at, row.id);

/** Every list answers `{ data, next_cursor }`; next_cursor is null on the last page. */
export interface Page<T, C> {
  data: T[];
  next_cursor: C | null;
}

/**
 * The one pagination helper, for every list: the caller fetches `limit + 1` rows in the list's
 * order; the extra row only tells that a next page exists, and the cursor is the page's last row's
 * position in that order (a keyset cursor, an id, a line number). The event feed is not a list: see
 * its router.
 */
export function pageOf<T, C>(rows: readonly T[], limit: number, cursorOf: (last: T) => C): Page<T, C> {
  const data = rows.slice(0, limit);
  const last = data[data.length - 1];
  return { data, next_cursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}
