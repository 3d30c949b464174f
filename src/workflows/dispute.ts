import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { TollgateCustomerId, TollgateState } from '../temporal/search-attributes.js';
import { subscriptionWorkflowId } from '../temporal/workflow-ids.js';
import { LEDGER_WRITES } from './activity-options.js';
import { disputeUpdateSignal, type DisputeUpdateSignal, type DisputeWorkflowInput } from './dispute-messages.js';
import { disputeLostSignal } from './subscription-messages.js';

export * from './dispute-messages.js';

const { recordDisputeUpdate } = proxyActivities<ReturnType<typeof createActivities>>(LEDGER_WRITES);

/** What `dispute:<gateway>:<id>` answers while it runs, and returns. */
export interface DisputeWorkflowState {
  disputeId: string | null;
  /** null until the first update is recorded. */
  status: DisputeUpdateSignal['status'] | null;
  updatesRecorded: number;
  /** The subscription a lost dispute stopped (or told to stop), if any. */
  stoppedSubscriptionId: string | null;
}

export const disputeStateQuery = defineQuery<DisputeWorkflowState>('state');

/** A dispute's updates come a handful at a time; a run this long is a gateway repeating itself. */
const RUN_HISTORY_EVENTS = 500;

/**
 * One workflow per gateway dispute (`dispute:<gateway>:<gateway dispute id>`), started by the
 * callback relay's signal-with-start of its first update. Records every update in Postgres, in
 * the order they came, through an idempotent activity (repeats change nothing; a close that came
 * before the open still ends closed, and a closed dispute never reopens). A lost dispute of a
 * subscription's charge tells that subscription's workflow to stop (reason disputed) unless the
 * gateway keeps subscriptions. Ends once the dispute is closed and nothing is left to record.
 */
export async function disputeWorkflow(input: DisputeWorkflowInput & { pending?: DisputeUpdateSignal[] }): Promise<DisputeWorkflowState> {
  const state: DisputeWorkflowState = { disputeId: null, status: null, updatesRecorded: 0, stoppedSubscriptionId: null };
  const inbox: DisputeUpdateSignal[] = [...(input.pending ?? [])];
  setHandler(disputeUpdateSignal, (u) => {
    inbox.push(u);
  });
  setHandler(disputeStateQuery, () => state);

  for (;;) {
    await condition(() => inbox.length > 0);
    const update = inbox.shift();
    if (!update) continue;
    const recorded = await recordDisputeUpdate(update);
    state.disputeId = recorded.disputeId;
    state.status = recorded.status;
    state.updatesRecorded += 1;
    upsertSearchAttributes([
      { key: TollgateState, value: recorded.status },
      { key: TollgateCustomerId, value: recorded.customerId },
    ]);
    if (recorded.stopSubscription && state.stoppedSubscriptionId === null) {
      const { subscriptionId, chargeAttemptId } = recorded.stopSubscription;
      // A subscription whose workflow has ended (ended, or stopped by the system) is stopped already.
      await getExternalWorkflowHandle(subscriptionWorkflowId(subscriptionId))
        .signal(disputeLostSignal, { disputeId: recorded.disputeId, chargeAttemptId })
        .catch(() => undefined);
      state.stoppedSubscriptionId = subscriptionId;
    }
    if (state.status !== 'open') {
      // Closed: done, once nothing else came in meanwhile (whatever comes later changes nothing).
      await condition(allHandlersFinished);
      if (inbox.length === 0) return state;
      continue;
    }
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength >= RUN_HISTORY_EVENTS) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof disputeWorkflow>({ gateway: input.gateway, gatewayDisputeId: input.gatewayDisputeId, pending: inbox });
    }
  }
}
