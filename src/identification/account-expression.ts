import vm from 'node:vm';

/** Longest input the account expression sees: an account number, not a paragraph (and a bound on backtracking). */
export const MAX_TYPED_LENGTH = 64;
/** How long one account expression may run (wall clock) before it is stopped. */
export const EXPRESSION_BUDGET_MS = 50;

/**
 * An account expression as compiled: the pattern, which capture group is looked up, and whether
 * that group replaces only the matched part (ABillS's substitution) or is the whole value.
 */
export interface AccountExpression {
  pattern: string;
  group: number;
  substitute: boolean;
}

/**
 * ABillS writes PAYSYS_ACCOUNT_EXPR as `pattern/$1` (the seed's example: `\d+(\d{8})$/$1`, "from a
 * numeric login take only the last 8 digits"), a Perl substitution's two halves, and runs it as one
 * (Abills::Filters `_expr`: `$value =~ s/$left/$1/`): the matched part becomes the group, the rest
 * of what was typed stays. The plain form is the pattern alone, whose first group is the value. A
 * JS pattern really ending in `/$1` could never match (a `/` before the end, then a "1"), so the
 * suffix is unambiguous.
 */
export function parseAccountExpression(source: string): AccountExpression {
  const abills = /^([\s\S]*)\/\$([1-9])$/.exec(source);
  if (abills?.[1] !== undefined && abills[2] !== undefined) return { pattern: abills[1], group: Number(abills[2]), substitute: true };
  return { pattern: source, group: 1, substitute: false };
}

export type ExpressionResult = { value: string } | { problem: 'no_match' | 'too_long' | 'timeout' | 'invalid' };
export type ExpressionRunner = (source: string, typed: string) => ExpressionResult;

/**
 * Runs account expressions with a time budget. A JS regular expression cannot be interrupted from
 * inside: a catastrophic pattern (`^(a+)+$` on "aaaa…b") backtracks for years on one thread. Run in
 * a node:vm context with `timeout`, V8 terminates it at the budget (node's watchdog), so a bad
 * expression costs a payer a "try later" answer and the process at most budgetMs of its event loop.
 * The expressions are validated at start too (settings.ts); the budget is for what validation cannot see.
 */
export function createAccountExpressionRunner(budgetMs: number = EXPRESSION_BUDGET_MS): ExpressionRunner {
  // A bare context: the pattern runs with nothing of this realm reachable from it.
  const context = vm.createContext({ re: null, input: '', group: 1, substitute: false });
  const compile = new vm.Script('new RegExp(pattern, "u")');
  // Perl's s/// without /g: the first match only; a group that took no part is "" there.
  const exec = new vm.Script(
    '(function () { var m = re.exec(input); if (m === null) return null;' +
      ' return substitute ? input.slice(0, m.index) + (m[group] === undefined ? "" : m[group]) + input.slice(m.index + m[0].length) : m[group]; })()',
  );
  const compiled = new Map<string, { re: unknown; group: number; substitute: boolean }>();

  return (source, typed) => {
    if ([...typed].length > MAX_TYPED_LENGTH) return { problem: 'too_long' };
    let entry = compiled.get(source);
    if (!entry) {
      const { pattern, group, substitute } = parseAccountExpression(source);
      Object.assign(context, { pattern });
      try {
        entry = { re: compile.runInContext(context, { timeout: budgetMs }), group, substitute };
      } catch {
        // Settings refuse such a pattern at start; a channel built some other way still never throws at a payer.
        return { problem: 'invalid' };
      }
      compiled.set(source, entry);
    }
    Object.assign(context, { re: entry.re, input: typed, group: entry.group, substitute: entry.substitute });
    let found: unknown;
    try {
      found = exec.runInContext(context, { timeout: budgetMs });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return { problem: 'timeout' };
      throw err;
    } finally {
      Object.assign(context, { input: '' });
    }
    return typeof found === 'string' && found !== '' ? { value: found } : { problem: 'no_match' };
  };
}
