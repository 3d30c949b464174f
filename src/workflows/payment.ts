import {
  condition,
  defineQuery,
  defineSignal,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { GatewayOutcome, PaymentStatus } from '../domain/payment.js';
import { TollgateNextActionAt, TollgateState } from '../temporal/search-attributes.js';

/**
 * One workflow per one-time payment (`payment:<id>`): waits for the gateway's outcome until the
 * payment's deadline, records it in Postgres, and expires the payment if nothing came.
 */
export interface PaymentWorkflowInput {
  paymentId: string;
  /** ISO timestamp of the deadline. */
  expiresAt: string;
}

export interface PaymentWorkflowState {
  paymentId: string;
  status: PaymentStatus;
  expiresAt: string;
  outcomeReceived: boolean;
}

/** The gateway's verdict, delivered by the callback endpoint (or typed into the Temporal UI). */
export const gatewayOutcomeSignal = defineSignal<[GatewayOutcome]>('gatewayOutcome');
export const paymentStateQuery = defineQuery<PaymentWorkflowState>('state');

const { recordPaymentOutcome, expirePayment } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export async function paymentWorkflow(input: PaymentWorkflowInput): Promise<PaymentWorkflowState> {
  const state: PaymentWorkflowState = {
    paymentId: input.paymentId,
    status: 'pending',
    expiresAt: input.expiresAt,
    outcomeReceived: false,
  };
  let outcome: GatewayOutcome | undefined;
  setHandler(gatewayOutcomeSignal, (o) => {
    // The first verdict wins; gateways repeat callbacks and the relay may redeliver.
    if (outcome === undefined && (o.status === 'succeeded' || o.status === 'failed')) {
      outcome = o;
      state.outcomeReceived = true;
    }
  });
  setHandler(paymentStateQuery, () => state);

  const untilDeadline = Math.max(0, Date.parse(input.expiresAt) - Date.now());
  const arrived = await condition(() => outcome !== undefined, untilDeadline);

  state.status =
    arrived && outcome !== undefined
      ? await recordPaymentOutcome({ paymentId: input.paymentId, outcome })
      : await expirePayment({ paymentId: input.paymentId });
  upsertSearchAttributes([
    { key: TollgateState, value: state.status },
    { key: TollgateNextActionAt, value: null },
  ]);
  return state;
}
