import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { findPayer, findPayerByExternalRef, type PayerRow } from '../db/customer-identifiers.js';
import type { Queryable } from '../db/pool.js';
import { createAccountExpressionRunner, EXPRESSION_BUDGET_MS, MAX_TYPED_LENGTH } from './account-expression.js';
import { askLookupHook, type LookupHookOptions } from './lookup-hook.js';
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
}

/** ISO 4217's "no currency": the currency of a payer whose balance nobody has told us. */
const NO_CURRENCY = 'XXX';
const NOT_FOUND: PayerLookup = { found: false, reason: 'not_found' };
const FORMAT: PayerLookup = { found: false, reason: 'format' };
const UNAVAILABLE: PayerLookup = { found: false, reason: 'unavailable' };

/**
 * The payer lookup the terminals and the top-up portal share: what was typed → the account
 * expression → the channel's identifier kinds in order → the customer, with its balance from the
 * billing system's lookup hook when LOOKUP_HOOK_URL is set, else from what it pushed.
 */
export function createIdentifyPayer(deps: IdentifyPayerDeps): IdentifyPayer {
  const runExpression = createAccountExpressionRunner(deps.expressionBudgetMs ?? EXPRESSION_BUDGET_MS);
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
      const r = runExpression(channel.accountExpression, typed);
      if ('problem' in r) {
        if (r.problem === 'timeout' || r.problem === 'invalid') deps.log.warn({ channel: channel.name, problem: r.problem }, 'account expression could not run; answered format');
        return FORMAT;
      }
      value = r.value;
    }
    // A value that cannot be one kind (letters for a phone) is simply not looked up as it: the same
    // one query runs whichever kinds remain, even none, so a miss says nothing about the others.
    const candidates: Array<{ kind: IdentifierKind; value: string }> = [];
    for (const kind of channel.kinds) {
      const n = normaliseIdentifier(kind, value);
      if ('value' in n) candidates.push({ kind, value: n.value });
    }
    const row = await findPayer(deps.pool, candidates);
    if (!row) return NOT_FOUND;
    const identifier = candidates.find((c) => c.kind === row.kind)?.value ?? value;
    return hook ? fromHook(hook, channel, row, identifier) : pushed(channel, row);
  };

  async function fromHook(hook: LookupHookOptions, channel: IdentificationChannel, row: PayerRow, identifier: string): Promise<PayerLookup> {
    const answer = await askLookupHook(hook, { channel: channel.name, kind: row.kind, identifier, customer: row.external_ref });
    if (answer.kind === 'unavailable') {
      deps.log.warn({ channel: channel.name, customerId: row.customer_id, reason: answer.reason }, 'lookup hook unavailable; answered unavailable');
      return UNAVAILABLE;
    }
    if (answer.kind === 'not_found') return NOT_FOUND;
    const customer = answer.customer === row.external_ref ? row : await findPayerByExternalRef(deps.pool, answer.customer);
    if (!customer) return NOT_FOUND;
    return {
      found: true,
      customerId: customer.customer_id,
      kind: row.kind,
      maskedName: maskName(answer.name ?? customer.name),
      currency: answer.currency,
      balanceMinor: answer.balanceMinor,
      recommendedMinor: answer.recommendedMinor === null ? recommendedSumMinor(channel, answer.balanceMinor) : atLeastMinimum(channel, answer.recommendedMinor),
      active: answer.active,
      source: 'hook',
    };
  }
}

/** From what the billing system pushed; nothing pushed: balance and recommended sum unknown, the account open. */
function pushed(channel: IdentificationChannel, row: PayerRow): IdentifiedPayer {
  return {
    found: true,
    customerId: row.customer_id,
    kind: row.kind,
    maskedName: maskName(row.name),
    currency: row.currency ?? NO_CURRENCY,
    balanceMinor: row.balance_minor,
    recommendedMinor: recommendedSumMinor(channel, row.balance_minor),
    active: row.active ?? true,
    source: 'pushed',
  };
}
