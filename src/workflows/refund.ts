import { condition, continueAsNew, defineQuery, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { RefundStatus } from '../domain/refund.js';
import type { RefundOutcome } from '../gateways/types.js';
import { TollgateState } from '../temporal/search-attributes.js';
import { LEDGER_WRITES } from './activity-options.js';
import { refundOutcomeSignal } from './refund-messages.js';

export * from './refund-messages.js';

export interface RefundWorkflowInput {
  refundId: string;
  /** Where the previous run stopped waiting, when a long wait continued as new. */
  carried?: { seen: boolean; delayMs: number; gatewayCalls: number; statusQueries: number } | undefined;
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
/**
 * Status questions per run before it continues as new: a refund the gateway keeps pending for weeks
 * (an hour between questions) would otherwise grow one history without bound.
 */
export const REFUND_STATUS_QUERIES_PER_RUN = 50;

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
  const carried = input.carried;
  const state: RefundWorkflowState = {
    refundId: input.refundId,
    status: 'pending',
    gatewayCalls: carried?.gatewayCalls ?? 0,
    statusQueries: carried?.statusQueries ?? 0,
    outcomeSource: null,
  };
  setHandler(refundStateQuery, () => state);
  let signalled: RefundOutcome | undefined;
  // The first final outcome a callback reports wins; gateways repeat callbacks.
  setHandler(refundOutcomeSignal, (o) => {
    if (signalled === undefined && o.status !== 'pending') signalled = o;
  });

  const plan = await beginRefund({ refundId: input.refundId });
  if (plan !== 'gateway') {
    state.status = plan === 'manual' ? 'requires_manual' : plan;
    return state;
  }

  let outcome: RefundOutcome | undefined;
  // Whether the gateway has seen the key: until it has, asking again means sending again (same key).
  let seen = carried?.seen ?? false;
  const take = (o: RefundOutcome, source: NonNullable<RefundWorkflowState['outcomeSource']>) => {
    seen = true;
    if (outcome === undefined && o.status !== 'pending') {
      outcome = o;
      state.outcomeSource = source;
    }
  };
  const send = async () => {
    state.gatewayCalls += 1;
    const answer = await sendRefund({ refundId: input.refundId });
    if (answer.kind === 'answer') take(answer.outcome, 'call');
  };

  // A continued run has sent already (the gateway saw the key, or the status questions go on).
  if (!carried) await send();
  let delay = carried?.delayMs ?? REFUND_STATUS_FIRST_MS;
  let questionsThisRun = 0;
  while (outcome === undefined) {
    // Between questions nothing is in flight; a callback already in is taken by the wait below instead.
    if (signalled === undefined && (questionsThisRun >= REFUND_STATUS_QUERIES_PER_RUN || workflowInfo().continueAsNewSuggested)) {
      await continueAsNew<typeof refundWorkflow>({
        refundId: input.refundId,
        carried: { seen, delayMs: delay, gatewayCalls: state.gatewayCalls, statusQueries: state.statusQueries },
      });
    }
    if (await condition(() => signalled !== undefined, delay)) {
      if (signalled) take(signalled, 'callback');
      break;
    }
    questionsThisRun += 1;
    state.statusQueries += 1;
    const status = await askRefundStatus({ refundId: input.refundId }).catch(() => undefined);
    if (status?.kind === 'seen') take(status.outcome, 'status_query');
    else if (status?.kind === 'unseen' && !seen) await send();
    delay = Math.min(delay * 2, REFUND_STATUS_MAX_MS);
  }
  if (outcome === undefined) throw new Error('unreachable: the loop ends only with an outcome');
  state.status = await recordRefundOutcome({ refundId: input.refundId, outcome });
  upsertSearchAttributes([{ key: TollgateState, value: state.status }]);
  return state;
}
