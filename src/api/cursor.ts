import { ValidationError } from '../domain/errors.js';

/** Opaque keyset cursors for lists ordered newest first by (created_at, id). */
export function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(`${createdAt.toISOString()}|${id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): { createdAt: Date; id: string } | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const [at = '', id = ''] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at);
  if (Number.isNaN(createdAt.getTime()) || id === '') {
    throw new ValidationError('cursor is not one this API returned', { errors: [{ path: 'cursor', message: 'pass next_cursor back unchanged' }] });
  }
  return { createdAt, id };
}

/** Takes one row more than the page to know whether there is a next page. */
export function page<T>(rows: T[], limit: number, cursorOf: (last: T) => string): { data: T[]; next_cursor: string | null } {
  const data = rows.slice(0, limit);
  const last = data[data.length - 1];
  return { data, next_cursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}
