/**
 * Keyset paging for lists ordered newest first by (created_at, id). The cursor keeps created_at as
 * Postgres's own text with microseconds: a JS Date holds milliseconds only, and a cursor rounded to
 * the millisecond skipped every row created later in the same millisecond as a page's last row.
 */
export interface Keyset {
  /** created_at as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC, microseconds), compared as timestamptz. */
  createdAt: string;
  id: string;
}

/** The extra column every keyset-paged list selects, so the next cursor is exact. */
export const CURSOR_AT = `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at`;

/** `(created_at, id) < (cursor)` with the cursor's parameters at $n and $n+1; true without a cursor. */
export function beforeKeyset(n: number): string {
  return `($${n}::timestamptz IS NULL OR (created_at, id) < ($${n}::timestamptz, $${n + 1}::text))`;
}

export function keysetValues(k: Keyset | undefined): [string | null, string | null] {
  return [k?.createdAt ?? null, k?.id ?? null];
}
