/** Postgres's SQLSTATE for a unique index or constraint broken (Appendix A, class 23). */
const UNIQUE_VIOLATION = '23505';

/**
 * Whether `err` is Postgres refusing a row because a unique index already holds its key; with
 * `indexes`, only when it was one of those (pg's DatabaseError names it in `constraint`).
 */
export function isUniqueViolation(err: unknown, ...indexes: string[]): boolean {
  const e = err as { code?: unknown; constraint?: unknown } | null;
  if (e?.code !== UNIQUE_VIOLATION) return false;
  return indexes.length === 0 || (typeof e.constraint === 'string' && indexes.includes(e.constraint));
}
