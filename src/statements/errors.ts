import { ValidationError } from '../domain/errors.js';

/**
 * A statement file that cannot be read. `where` names the place it broke ('line 14' for MT940 and
 * CSV, an element path like 'Document/BkToCstmrStmt/Stmt[1]/Ntry[3]/Amt' for camt) so whoever
 * uploaded it can find the spot. It is a ValidationError so the API answers 400 without a new mapping.
 */
export class StatementParseError extends ValidationError {
  /** The message without the place, for re-labelling. */
  readonly reason: string;

  constructor(
    reason: string,
    readonly where: string,
  ) {
    super(`${reason} (at ${where})`, { where });
    this.reason = reason;
  }
}

/** The places helpers report when they cannot know the real one (a value, not a file position). */
export type Unplaced = 'amount' | 'date' | 'currency';
const UNPLACED: ReadonlySet<string> = new Set<Unplaced>(['amount', 'date', 'currency']);

/**
 * Runs `fn`, labelling a failure of the amount and date helpers inside it with `where`: they know
 * what is wrong but not where. A failure that already names a place keeps it (it is the more
 * precise one); programming errors pass through untouched.
 */
export function at<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof StatementParseError) {
      if (!UNPLACED.has(err.where)) throw err;
      throw new StatementParseError(err.reason, where);
    }
    if (err instanceof ValidationError) throw new StatementParseError(err.message, where);
    throw err;
  }
}
