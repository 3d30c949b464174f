import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { findPayer, findPayerByExternalRef, type PayerRow } from '../db/customer-identifiers.js';
import type { Queryable } from '../db/pool.js';
import { createAccountExpressionRunner, EXPRESSION_BUDGET_MS, type ExpressionRunner, MAX_TYPED_LENGTH } from './account-expression.js';
import { askLookupHook, type LookupHookOptions, type LookupHookRequest } from './lookup-hook.js';
import { maskName } from './mask.js';
import { normaliseIdentifier } from './normalise.js';
import { atLeastMinimum, recommendedSumMinor } from './recommended.js';
import type { IdentificationChannel, IdentifiedPayer, IdentifierKind, IdentifyPayer, PayerLookup } from './types.js';

export interface IdentifyPayerDeps {
  pool: Queryable;
  config: Pick<Config, 'LOOKUP_HOOK_URL' | 'LOOKUP_HOOK_SECRET' | 'LOOKUP_HOOK_TIMEOUT_MS' | 'OUTBOUND_ALLOWED_HOSTS' | 'OUTBOUND_MAX_RESPONSE_BYTES'>;
  log: Pick<Logger, 'warn'>;
  /** How long an account expression may run (default EXPRESSION_BUDGET_MS). */
  expressionBudgetMs?: number;
  /** The account expression runner (default: createAccountExpressionRunner with that budget); tests pass a fake. */
  runExpression?: ExpressionRunner;
}

/** ISO 4217's "no currency": the currency of a payer whose balance nobody has told us. */
const NO_CURRENCY = 'XXX';
const NOT_FOUND: PayerLookup = { found: false, reason: 'not_found' };
const FORMAT: PayerLookup = { found: false, reason: 'format' };
const UNAVAILABLE: PayerLookup = { found: false, reason: 'unavailable' };

/**
 * The payer lookup the terminals and the top-up portal share: what was typed → the account
 * expression → the channel's identifier kinds in order → the customer, with its balance from the
 * billing system's lookup hook when LOOKUP_HOOK_URL is set, else from what it pushed. With the
 * hook, an identifier Tollgate does not hold is asked of it as well: the billing system's answer
 * names the customer by its external_ref.
 */
export function createIdentifyPayer(deps: IdentifyPayerDeps): IdentifyPayer {
  const runExpression = deps.runExpression ?? createAccountExpressionRunner(deps.expressionBudgetMs ?? EXPRESSION_BUDGET_MS);
  const hook: LookupHookOptions | undefined = deps.config.LOOKUP_HOOK_URL === undefined ? undefined : {
    url: deps.config.LOOKUP_HOOK_URL,
    secret: deps.config.LOOKUP_HOOK_SECRET,
    timeoutMs: deps.config.LOOKUP_HOOK_TIMEOUT_MS,
    outbound: { allow: deps.config.OUTBOUND_ALLOWED_HOSTS, maxResponseBytes: Math.min(deps.config.OUTBOUND_MAX_RESPONSE_BYTES, 16 * 1024) },
  };

  return async (channel, typedRaw) => {
    const typed = typedRaw.trim();
    if (typed === '' || [...typed].length > MAX_TYPED_LENGTH) return FORMAT;
    let value = typed;
    if (channel.accountExpression !== null) {
      let r = runExpression(channel.accountExpression, typed);
      // The budget is wall-clock time: on a busy machine a plain `^\d*(\d{8})$` can overrun it
      // while its thread waits for a core. Once more, then the payer is told to try later (OSMP
      // 243, the portal's "try again later"), never that the account is malformed (4 is final).
      if ('problem' in r && r.problem === 'timeout') r = runExpression(channel.accountExpression, typed);
      if ('value' in r) value = r.value;
      else if (r.problem === 'timeout') {
        deps.log.warn({ channel: channel.name, problem: r.problem }, 'account expression overran its budget twice; answered unavailable');
        return UNAVAILABLE;
      }
      // What the expression does not fit is looked up as typed, as ABillS does (Abills::Filters
      // `_expr` returns the value unchanged when no substitution matched): "the last 8 digits of a
      // long number" must not turn a login or an 8-digit contract away.
      else if (r.problem !== 'no_match') {
        if (r.problem === 'invalid') deps.log.warn({ channel: channel.name, problem: r.problem }, 'account expression could not run; answered format');
        return FORMAT;
      }
    }
    // A value that cannot be one kind (letters for a phone) is simply not looked up as it: the same
    // one query runs whichever kinds remain, even none, so a miss says nothing about the others.
    const candidates: Array<{ kind: IdentifierKind; value: string }> = [];
    for (const kind of channel.kinds) {
      const n = normaliseIdentifier(kind, value);
      if ('value' in n) candidates.push({ kind, value: n.value });
    }
    const row = await findPayer(deps.pool, candidates);
    if (!hook) return row ? pushed(channel, row) : NOT_FOUND;
    // With a hook, a local miss asks it too (the billing system may know an identifier it never
    // pushed), and a hit asks it once just the same: one POST either way, so neither the timing
    // nor the answer tells which identifiers Tollgate holds.
    const request: LookupHookRequest = row
      ? { channel: channel.name, kind: row.kind, kinds: channel.kinds, identifier: candidates.find((c) => c.kind === row.kind)?.value ?? value, customer: row.external_ref }
      : { channel: channel.name, kind: null, kinds: channel.kinds, identifier: value, customer: null };
    return fromHook(hook, channel, request, row);
  };

  /** `local`: the customer Tollgate's identifiers found, if any (the hook may still name another, or none). */
  async function fromHook(hook: LookupHookOptions, channel: IdentificationChannel, request: LookupHookRequest, local: PayerRow | undefined): Promise<PayerLookup> {
    const answer = await askLookupHook(hook, request);
    if (answer.kind === 'unavailable') {
      deps.log.warn({ channel: channel.name, customerId: local?.customer_id, reason: answer.reason }, 'lookup hook unavailable; answered unavailable');
      return UNAVAILABLE;
    }
    if (answer.kind === 'not_found') return NOT_FOUND;
    // Tollgate can take money only for a customer it has: a billing id that is no customer's
    // external_ref is a miss like any other. Read even when it is the local one's, so a hit and a
    // miss the hook answered cost the same queries.
    const customer = await findPayerByExternalRef(deps.pool, answer.customer);
    if (!customer) return NOT_FOUND;
    return {
      found: true,
      customerId: customer.customer_id,
      kind: local?.kind ?? hookOnlyKind(channel, request.identifier),
      foundBy: local ? 'identifier' : 'hook',
      maskedName: maskName(answer.name ?? customer.name),
      currency: answer.currency,
      balanceMinor: answer.balanceMinor,
      recommendedMinor: answer.recommendedMinor === null ? recommendedSumMinor(channel, answer.balanceMinor) : atLeastMinimum(channel, answer.recommendedMinor),
      active: answer.active,
      source: 'hook',
    };
  }
}

/**
 * The kind a payer found only by the hook is recorded under (the hook does not say which of its
 * identifiers matched, and terminal_transactions.account_kind takes one of IDENTIFIER_KINDS): the
 * first of the channel's kinds the value can be — what it was looked up as first — else the
 * channel's first. `foundBy: 'hook'` beside it says it was not a match of Tollgate's.
 */
function hookOnlyKind(channel: IdentificationChannel, value: string): IdentifierKind {
  return channel.kinds.find((k) => 'value' in normaliseIdentifier(k, value)) ?? channel.kinds[0] ?? 'uid';
}

/** From what the billing system pushed; nothing pushed: balance and recommended sum unknown, the account open. */
function pushed(channel: IdentificationChannel, row: PayerRow): IdentifiedPayer {
  return {
    found: true,
    customerId: row.customer_id,
    kind: row.kind,
    foundBy: 'identifier',
    maskedName: maskName(row.name),
    currency: row.currency ?? NO_CURRENCY,
    balanceMinor: row.balance_minor,
    recommendedMinor: recommendedSumMinor(channel, row.balance_minor),
    active: row.active ?? true,
    source: 'pushed',
  };
}
