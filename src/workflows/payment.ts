import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  patched,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { CHECKOUT_ENDING, LEDGER_WRITES } from './activity-options.js';
import { STATE_CONFLICT } from '../domain/errors.js';
import type { GatewayOutcome } from '../domain/payment.js';
import { TollgateAmountMinor, TollgateCustomerId, TollgateKind, TollgateNextActionAt, TollgateState } from '../temporal/search-attributes.js';
import { subscriptionWorkflowId, temporaryPaymentWorkflowId } from '../temporal/workflow-ids.js';
import {
  type CancelRequest,
  cancelPaymentUpdate,
  gatewayOutcomeSignal,
  type PaymentWorkflowInput,
  type PaymentWorkflowState,
  paymentStateQuery,
} from './payment-messages.js';
import { periodPaidSignal } from './subscription-messages.js';
import { temporaryPaymentWorkflow } from './temporary-payment.js';

export * from './payment-messages.js';

/** Patch: a success this run was told after its late-success checks is noted as late when the run closes. */
export const LATE_SUCCESS_AT_CLOSE = 'late-success-at-close';

/** First status query a minute after the start, then doubling up to an hour between queries. */
export const STATUS_QUERY_FIRST_MS = 60_000;
export const STATUS_QUERY_MAX_MS = 3_600_000;

const { recordPaymentOutcome, expirePayment, createTemporaryPayment, noteLateSuccess, cancelPayment } = proxyActivities<ReturnType<typeof createActivities>>(LEDGER_WRITES);
const { endGatewayCheckout } = proxyActivities<ReturnType<typeof createActivities>>(CHECKOUT_ENDING);

/** A status question that cannot be answered in two minutes counts as "nothing known yet". */
const { queryPaymentStatus } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/**
 * One workflow per one-time payment (`payment:<id>`): waits for the gateway's outcome until the
 * payment's deadline, asking the gateway on a backoff in case the callback never comes, records
 * the outcome in Postgres, and expires the payment if nothing came. A success through a gateway
 * with deferred settlement opens a temporary payment (`temporary-payment:<id>`), which outlives it.
 * A cancel (update `cancel`) ends the wait like an outcome; whichever the workflow holds when it
 * decides wins, so a payment gets exactly one final status, and a success reported after a cancel
 * was written is a late success (noteLateSuccess), as after an expiry.
 */
export async function paymentWorkflow(input: PaymentWorkflowInput): Promise<PaymentWorkflowState> {
  const state: PaymentWorkflowState = {
    paymentId: input.paymentId,
    status: 'pending',
    expiresAt: input.expiresAt,
    outcomeReceived: false,
    outcomeSource: null,
    statusQueries: 0,
    temporaryPaymentId: null,
  };
  let outcome: GatewayOutcome | undefined;
  const accept = (o: GatewayOutcome | undefined, source: 'callback' | 'status_query') => {
    // The first verdict wins; gateways repeat callbacks and the relay may redeliver.
    if (outcome === undefined && o !== undefined && (o.status === 'succeeded' || o.status === 'failed')) {
      outcome = o;
      state.outcomeReceived = true;
      state.outcomeSource = source;
    }
  };
  // A success the workflow did not take as its outcome (a failure came first): the payer was
  // charged, so it is a late success once the payment has ended otherwise.
  let strayedSuccess: GatewayOutcome | undefined;
  let lateNoted = false;
  setHandler(gatewayOutcomeSignal, (o) => {
    accept(o, 'callback');
    if (o.status === 'succeeded' && outcome?.status !== 'succeeded') strayedSuccess ??= o;
  });
  setHandler(paymentStateQuery, () => state);
  let cancel: CancelRequest | undefined;
  // Set when the wait is over: an outcome, the deadline or a cancel is being written, and a cancel
  // that arrives now only waits to answer the status the payment got.
  let deciding = false;
  setHandler(
    cancelPaymentUpdate,
    async (req) => {
      if (!deciding && outcome === undefined) cancel ??= req;
      await condition(() => state.status !== 'pending');
      return state;
    },
    {
      validator: (_req: CancelRequest) => {
        if (state.status !== 'pending') throw ApplicationFailure.nonRetryable(`the payment is ${state.status}`, STATE_CONFLICT);
      },
    },
  );

  const deadline = Date.parse(input.expiresAt);
  const askGateway = async () => {
    state.statusQueries += 1;
    accept(await queryPaymentStatus({ paymentId: input.paymentId }).catch(() => undefined), 'status_query');
  };
  let pollDelay = STATUS_QUERY_FIRST_MS;
  while (outcome === undefined && cancel === undefined) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    const wait = input.pollStatus ? Math.min(pollDelay, remaining) : remaining;
    if (await condition(() => outcome !== undefined || cancel !== undefined, wait)) break;
    if (input.pollStatus && Date.now() < deadline) {
      await askGateway();
      pollDelay = Math.min(pollDelay * 2, STATUS_QUERY_MAX_MS);
    }
  }
  // The wait is over (an outcome, a cancel, or the deadline): a cancel from now on changes nothing.
  deciding = true;
  // One last question before giving up: a paid payment must not expire because a callback was lost.
  if (outcome === undefined && cancel === undefined && input.pollStatus) await askGateway();

  if (outcome === undefined && cancel !== undefined) {
    state.status = await cancelPayment({ paymentId: input.paymentId, ...cancel });
  } else {
    state.status =
      outcome !== undefined
        ? await recordPaymentOutcome({ paymentId: input.paymentId, outcome })
        : await expirePayment({ paymentId: input.paymentId });
    // A success reported while the expiry was being written: the payer was charged, so a person must
    // refund or credit it. It is never lost silently.
    if (state.status === 'expired' && outcome?.status === 'succeeded') {
      await noteLateSuccess({ paymentId: input.paymentId, outcome });
      lateNoted = true;
    }
  }
  upsertSearchAttributes([
    { key: TollgateState, value: state.status },
    { key: TollgateNextActionAt, value: null },
  ]);
  if (state.status === 'canceled') {
    // After the write, best effort: the payment is canceled whether or not the gateway's session
    // could be ended (a payer who still pays it is a late success).
    await endGatewayCheckout({ paymentId: input.paymentId }).catch(() => undefined);
    // A success that reached this workflow after the cancel was written.
    if (outcome?.status === 'succeeded') {
      await noteLateSuccess({ paymentId: input.paymentId, outcome });
      lateNoted = true;
    }
  }

  // A subscription period's link (SCA) was paid: its workflow records the period as charged by this
  // payment. Only runs started with `recovers` take this path, so recorded histories replay
  // unchanged without a patch. A subscription whose workflow has ended (stopped) cannot be told:
  // the payment stands as the customer's (payment.succeeded), and that run's check at the link's
  // expiry is gone with it.
  if (state.status === 'succeeded' && input.recovers) {
    await getExternalWorkflowHandle(subscriptionWorkflowId(input.recovers.subscriptionId))
      .signal(periodPaidSignal, { paymentId: input.paymentId, period: input.recovers.period })
      .catch(() => undefined);
  }

  if (state.status === 'succeeded' && input.settlement === 'deferred') {
    const temporary = await createTemporaryPayment({ paymentId: input.paymentId });
    state.temporaryPaymentId = temporary.id;
    await startChild(temporaryPaymentWorkflow, {
      workflowId: temporaryPaymentWorkflowId(temporary.id),
      args: [{ temporaryPaymentId: temporary.id, expiresAt: temporary.expiresAt, expirationMs: temporary.expirationMs }],
      // The temporary payment lives on (days, or for ever) after this payment's workflow ends.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: [
        { key: TollgateKind, value: 'temporary_payment' },
        { key: TollgateCustomerId, value: temporary.customerId },
        { key: TollgateState, value: 'open' },
        { key: TollgateAmountMinor, value: temporary.amountMinor },
        ...(temporary.expiresAt ? [{ key: TollgateNextActionAt, value: new Date(temporary.expiresAt) }] : []),
      ],
    });
  }
  // A success that reached this run after its checks above (during the last activities), or after
  // a failure it did not take: the payment has ended otherwise, so it is a late success — never only
  // a delivered journal row. The run cannot complete past a signal it has not seen (Temporal fails
  // the completion and replays with it), so this last look sees every success this run was told.
  const late = strayedSuccess ?? (outcome?.status === 'succeeded' ? outcome : undefined);
  if (state.status !== 'succeeded' && late && !lateNoted && patched(LATE_SUCCESS_AT_CLOSE)) {
    await noteLateSuccess({ paymentId: input.paymentId, outcome: late });
  }
  // A cancel that arrived while the outcome was written gets its answer before the run ends.
  await condition(allHandlersFinished);
  return state;
}
