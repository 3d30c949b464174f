import { condition, defineQuery, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { RefundStatus } from '../domain/refund.js';
import type { RefundOutcome } from '../gateways/types.js';
import { TollgateState } from '../temporal/search-attributes.js';
import { LEDGER_WRITES } from './activity-options.js';
import { refundOutcomeSignal } from './refund-messages.js';

export * from './refund-messages.js';

export interface RefundWorkflowInput {
  refundId: string;
}

export interface RefundWorkflowState {
  refundId: string;
  status: RefundStatus;
  gatewayCalls: number;
  statusQueries: number;
  outcomeSource: 'call' | 'status_query' | 'callback' | null;
}

export const refundStateQuery = defineQuery<RefundWorkflowState>('refundState');

/** First status question a minute after an unknown or pending answer, then doubling up to an hour. */
export const REFUND_STATUS_FIRST_MS = 60_000;
export const REFUND_STATUS_MAX_MS = 3_600_000;

const { beginRefund, recordRefundOutcome } = proxyActivities<ReturnType<typeof createActivities>>(LEDGER_WRITES);

/**
 * The gateway call: every try carries the refund's one key (refund:<id>), so a retry after an
 * error is the same refund, never a second one. A lost answer is not an error (it comes back as
 * `unknown` and is resolved by asking).
 */
const { sendRefund } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

/** A status question that cannot be answered in two minutes counts as "nothing known yet". */
const { askRefundStatus } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/**
 * One workflow per refund (`refund:<id>`): sends it to the gateway with its key, resolves a lost
 * or pending answer by the gateway's callback (refundOutcomeSignal) or by asking refundStatus for
 * the same key on a backoff, and records the outcome (src/db/refund-outcomes.ts gives a failed
 * refund's amount back). A refund a person pays back (requires_manual) is confirmed through the
 * API, not here: the workflow ends at once for it.
 */
export async function refundWorkflow(input: RefundWorkflowInput): Promise<RefundWorkflowState> {
  const state: RefundWorkflowState = { refundId: input.refundId, status: 'pending', gatewayCalls: 0, statusQueries: 0, outcomeSource: null };
  setHandler(refundStateQuery, () => state);
  let signalled: RefundOutcome | undefined;
  // The first final outcome a callback reports wins; gateways repeat callbacks.
  setHandler(refundOutcomeSignal, (o) => {
    if (signalled === undefined && o.status !== 'pending') signalled = o;
  });

  const plan = await beginRefund(input);
  if (plan !== 'gateway') {
    state.status = plan === 'manual' ? 'requires_manual' : plan;
    return state;
  }

  let outcome: RefundOutcome | undefined;
  // Whether the gateway has seen the key: until it has, asking again means sending again (same key).
  let seen = false;
  const take = (o: RefundOutcome, source: NonNullable<RefundWorkflowState['outcomeSource']>) => {
    seen = true;
    if (outcome === undefined && o.status !== 'pending') {
      outcome = o;
      state.outcomeSource = source;
    }
  };
  const send = async () => {
    state.gatewayCalls += 1;
    const answer = await sendRefund(input);
    if (answer.kind === 'answer') take(answer.outcome, 'call');
  };

  await send();
  let delay = REFUND_STATUS_FIRST_MS;
  while (outcome === undefined) {
    if (await condition(() => signalled !== undefined, delay)) {
      if (signalled) take(signalled, 'callback');
      break;
    }
    state.statusQueries += 1;
    const status = await askRefundStatus(input).catch(() => undefined);
    if (status?.kind === 'seen') take(status.outcome, 'status_query');
    else if (status?.kind === 'unseen' && !seen) await send();
    delay = Math.min(delay * 2, REFUND_STATUS_MAX_MS);
  }
  if (outcome === undefined) throw new Error('unreachable: the loop ends only with an outcome');
  state.status = await recordRefundOutcome({ refundId: input.refundId, outcome });
  upsertSearchAttributes([{ key: TollgateState, value: state.status }]);
  return state;
}
