import { continueAsNew, defineQuery, proxyLocalActivities, setHandler, sleep, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { createWebhookActivities, WebhookAttemptError } from '../activities/webhook-deliveries.js';
import { WEBHOOK_RETRY_JITTER, webhookRetryDelayMs } from '../domain/webhook-schedule.js';
import { TollgateNextActionAt, TollgateState } from '../temporal/search-attributes.js';

export interface WebhookDeliveryInput {
  deliveryId: string;
  run: number;
  /** Where a run that continued as new (after many "busy" waits) stood. */
  carried?: { attempt: number; attemptsAt: string[] } | undefined;
}

export interface WebhookDeliveryState {
  deliveryId: string;
  run: number;
  status: 'pending' | 'succeeded' | 'failed' | 'canceled';
  /** Attempts made in this run. */
  attempts: number;
  /** When each attempt began, by the workflow's clock (what the schedule is measured in). */
  attemptsAt: string[];
  lastStatusCode: number | null;
  lastError: WebhookAttemptError | null;
}

export const webhookDeliveryStateQuery = defineQuery<WebhookDeliveryState>('webhookDeliveryState');

/** "Busy" waits per run before it continues as new, so an endpoint that stays crowded does not grow one history without bound. */
const BUSY_WAITS_PER_RUN = 200;

/**
 * The attempt: its HTTP call is bounded by WEBHOOK_TIMEOUT_MS (at most 60 s) inside the activity,
 * so two minutes covers it and the transaction. A thrown error is Postgres being away (an HTTP
 * failure is a result, not an error): retried like any ledger write, and the attempt is logged once.
 *
 * A local activity: it runs in the workflow task that asks for it, on the webhook Worker, so an
 * attempt costs no activity task of its own (no schedule, dispatch and completion round trips
 * through the server) — a burst of deliveries is bounded by workflow tasks only (bench/webhooks.ts).
 * A worker that dies mid-attempt leaves no marker, so the next one makes the attempt again, which
 * finds its row in webhook_attempts if the first one had logged it.
 */
const { attemptWebhookDelivery } = proxyLocalActivities<ReturnType<typeof createWebhookActivities>>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * One delivery of one event to one endpoint (`webhook-delivery:<delivery id>:<run>`), started by
 * the outbox on the `<queue>-webhooks` task queue. Attempts at once, then after 5 s, 5 min,
 * 30 min, 2 h, 5 h, 10 h, 10 h, each wait jittered by ±10 % (Math.random is the workflow's own,
 * so replay draws the same). It ends at a 2xx, a 410 (the endpoint is disabled), the last failed
 * attempt, or an endpoint deleted or disabled meanwhile (canceled, found at the next attempt).
 */
export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<WebhookDeliveryState> {
  const state: WebhookDeliveryState = {
    deliveryId: input.deliveryId,
    run: input.run,
    status: 'pending',
    attempts: input.carried?.attempt ?? 0,
    attemptsAt: input.carried?.attemptsAt ?? [],
    lastStatusCode: null,
    lastError: null,
  };
  setHandler(webhookDeliveryStateQuery, () => state);
  let busyWaits = 0;

  for (;;) {
    const attempt = state.attempts + 1;
    const retryInMs = webhookRetryDelayMs(attempt, Math.random()) ?? null;
    const startedAt = new Date().toISOString();
    const outcome = await attemptWebhookDelivery({ deliveryId: input.deliveryId, run: input.run, attempt, retryInMs });
    if (outcome.kind === 'busy') {
      busyWaits += 1;
      if (busyWaits >= BUSY_WAITS_PER_RUN || workflowInfo().continueAsNewSuggested) {
        await continueAsNew<typeof webhookDeliveryWorkflow>({ ...input, carried: { attempt: state.attempts, attemptsAt: state.attemptsAt } });
      }
      // The limiter's place in its queue, jittered so the busy ones of one moment do not come back together.
      await sleep(Math.round(outcome.waitMs * (1 - WEBHOOK_RETRY_JITTER + 2 * WEBHOOK_RETRY_JITTER * Math.random())));
      continue;
    }
    if (outcome.kind === 'canceled') {
      state.status = 'canceled';
      break;
    }
    state.attempts = attempt;
    state.attemptsAt.push(startedAt);
    state.lastStatusCode = outcome.statusCode;
    state.lastError = outcome.error;
    if (outcome.kind !== 'retry' || retryInMs === null) {
      state.status = outcome.kind === 'succeeded' ? 'succeeded' : 'failed';
      break;
    }
    upsertSearchAttributes([{ key: TollgateNextActionAt, value: new Date(Date.now() + retryInMs) }]);
    await sleep(retryInMs);
  }
  upsertSearchAttributes([{ key: TollgateState, value: state.status }]);
  return state;
}
