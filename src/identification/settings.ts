import { z } from 'zod';
import { parseAccountExpression } from './account-expression.js';
import { IDENTIFIER_KINDS, type IdentificationChannel } from './types.js';

/** Longest account expression accepted: a lookup rule, not a program. */
const MAX_EXPRESSION_LENGTH = 200;

/** Why an account expression cannot be used, or undefined when it can (checked when the config loads). ABillS's `pattern/$1` form is accepted. */
export function accountExpressionProblem(source: string): string | undefined {
  if (source.length > MAX_EXPRESSION_LENGTH) return `at most ${MAX_EXPRESSION_LENGTH} characters`;
  const { pattern, group } = parseAccountExpression(source);
  let re: RegExp;
  try {
    re = new RegExp(pattern, 'u');
  } catch (err) {
    return `not a regular expression: ${(err as Error).message}`;
  }
  // Counting groups the engine itself sees: an empty alternative matches "" and exposes them all.
  const groups = new RegExp(`${re.source}|`, 'u').exec('')?.length ?? 1;
  if (groups < 2) return 'needs a capture group: the part of what was typed that is looked up';
  return groups <= group ? `looks up group ${group}, but the pattern has only ${groups - 1}` : undefined;
}

/**
 * How a channel (a terminal network, the top-up portal) identifies payers, as written in its
 * configuration. Amounts are minor units, like the gateways' min_amount.
 */
export const IdentificationSettings = z
  .object({
    /** `PAYSYS_GATEWAY_IDENTIFIER`: the identifier kinds this channel accepts, tried in order. */
    identifiers: z.array(z.enum(IDENTIFIER_KINDS)).min(1).default(['uid']),
    /** `PAYSYS_ACCOUNT_EXPR`, e.g. `^\d*(\d{8})$` for "the last 8 digits": the first capture group is looked up (or ABillS's `\d+(\d{8})$/$1`: the group named after the slash). */
    account_expression: z
      .string()
      .superRefine((s, ctx) => {
        const problem = accountExpressionProblem(s);
        if (problem) ctx.addIssue({ code: 'custom', message: `account_expression ${problem}` });
      })
      .optional(),
    /** `PAYSYS_ADD_TO_RECOMMENDED_SUMM`: added to the debt for the recommended sum. */
    add_to_recommended: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
    /** `PAYSYS_MIN_SUM_RECOMMENDED_PAY`: the recommended sum is the least this channel takes. */
    recommended_is_minimum: z.boolean().default(false),
  })
  .strict();
export type IdentificationSettings = z.infer<typeof IdentificationSettings>;

/** The channel as the lookup sees it, from its settings and the channel's own smallest sum. */
export function identificationChannel(name: string, s: IdentificationSettings, minAmountMinor: bigint): IdentificationChannel {
  return {
    name,
    kinds: s.identifiers,
    accountExpression: s.account_expression ?? null,
    minAmountMinor,
    addToRecommendedMinor: BigInt(s.add_to_recommended),
    recommendedIsMinimum: s.recommended_is_minimum,
  };
}
