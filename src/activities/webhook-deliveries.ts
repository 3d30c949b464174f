import type pg from 'pg';
import { WEBHOOK_FAILING_DISABLE_MS, WEBHOOK_RESPONSE_EXCERPT_BYTES } from '../domain/webhook-schedule.js';
import { inTransaction } from '../db/pool.js';
import {
  type AttemptRecord, attemptContext, cancelDelivery, clearEndpointFailing, disableEndpointByDelivery, insertAttempt,
  markEndpointFailing, updateDeliveryAfterAttempt,
} from '../db/webhook-attempts.js';
import { eventJson } from '../events/event-json.js';
import { type OutboundAllowlist } from '../outbound/addresses.js';
import { type OutboundFailure, safeRequest } from '../outbound/safe-request.js';
import type { EndpointLimiter } from '../webhooks/endpoint-limiter.js';
import { deliveryHeaders } from '../webhooks/sign.js';

export interface WebhookActivityDeps {
  pool: pg.Pool;
  outboundAllow: OutboundAllowlist;
  webhookTimeoutMs: number;
  limiter: EndpointLimiter;
}

/** Why an attempt failed, as the attempt log and the delivery row keep it: a closed set, never the peer's text or a stack. */
export type WebhookAttemptError = Exclude<OutboundFailure, 'too_large'>;

export interface WebhookAttemptInput {
  deliveryId: string;
  run: number;
  /** 1-based within the run. */
  attempt: number;
  /** The workflow's (jittered) wait before the next attempt should this one fail; null when it is the last. */
  retryInMs: number | null;
}

/**
 * What came of it: `succeeded`; `retry` (failed, the next attempt follows after retryInMs);
 * `failed` (failed and none follows: the last attempt, a 410, or the endpoint was disabled for
 * failing); `canceled` (the endpoint is deleted or disabled, or the delivery was requeued into
 * a newer run); `busy` (nothing sent: the endpoint is at its limit in this process).
 */
export type WebhookAttemptOutcome =
  | { kind: 'succeeded' | 'retry' | 'failed'; statusCode: number | null; error: WebhookAttemptError | null }
  | { kind: 'canceled' }
  /** waitMs: when to ask again (src/webhooks/endpoint-limiter.ts). */
  | { kind: 'busy'; waitMs: number };

/** A Postgres text column holds no NUL; a cut in the middle of a character becomes U+FFFD. */
function excerpt(body: Buffer | undefined): string | null {
  if (!body || body.byteLength === 0) return null;
  return body.subarray(0, WEBHOOK_RESPONSE_EXCERPT_BYTES).toString('utf8').replaceAll('\u0000', '');
}

export function createWebhookActivities(deps: WebhookActivityDeps) {
  return {
    /**
     * One attempt of one delivery: POST the event (its GET /v1/events JSON) signed per Standard
     * Webhooks (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md:
     * webhook-id is the event id, the same on every attempt, so a receiver de-duplicates), through
     * safeRequest (the outbound URL rule, no redirects, WEBHOOK_TIMEOUT_MS, the answer cut at
     * 4 KB), then log it and move the delivery and the endpoint's health in one transaction.
     * A retry of this activity after a lost reply finds its attempt logged and answers from the log.
     */
    async attemptWebhookDelivery(input: WebhookAttemptInput): Promise<WebhookAttemptOutcome> {
      const ctx = await attemptContext(deps.pool, input.deliveryId, input.run, input.attempt);
      if (!ctx || ctx.delivery.run !== input.run) return { kind: 'canceled' };
      if (ctx.logged) return outcomeOfLogged(ctx.delivery.status, ctx.logged);
      if (ctx.delivery.status !== 'pending') return { kind: 'canceled' };
      if (!ctx.endpoint.enabled || ctx.endpoint.deleted_at !== null) {
        await cancelDelivery(deps.pool, input.deliveryId, input.run);
        return { kind: 'canceled' };
      }
      const permit = deps.limiter.tryAcquire(ctx.endpoint.id);
      if ('busyMs' in permit) return { kind: 'busy', waitMs: permit.busyMs };

      const startedAt = new Date();
      let res;
      try {
        const body = JSON.stringify(eventJson(ctx.event));
        const headers = deliveryHeaders(ctx.endpoint, String(ctx.event.id), Math.floor(startedAt.getTime() / 1000), body, startedAt);
        res = await safeRequest(
          ctx.endpoint.url,
          { method: 'POST', headers, body, timeoutMs: deps.webhookTimeoutMs, maxResponseBytes: WEBHOOK_RESPONSE_EXCERPT_BYTES, overflow: 'truncate', errorBody: true },
          { allow: deps.outboundAllow },
        );
      } finally {
        permit.release(Date.now() - startedAt.getTime());
      }
      const statusCode = res.status ?? null;
      const error: WebhookAttemptError | null = res.ok ? null : res.failure === 'too_large' ? 'http_status' : res.failure;
      const record: AttemptRecord = {
        deliveryId: input.deliveryId, run: input.run, attempt: input.attempt, startedAt,
        latencyMs: Date.now() - startedAt.getTime(), statusCode, responseExcerpt: excerpt(res.body), error,
      };
      return inTransaction(deps.pool, async (tx) => {
        // Two executions of this attempt raced (one whose workflow task timed out is still running,
        // and the attempt ran again): the first to commit logged it and moved the delivery, and this
        // one answers what that one decided. 'canceled' here would end the workflow while the row
        // still waits for a retry nobody makes.
        if (!(await insertAttempt(tx, record))) {
          const logged = await attemptContext(tx, input.deliveryId, input.run, input.attempt);
          return logged?.logged && logged.delivery.run === input.run ? outcomeOfLogged(logged.delivery.status, logged.logged) : { kind: 'canceled' as const };
        }
        if (res.ok) {
          await updateDeliveryAfterAttempt(tx, record, { status: 'succeeded' });
          await clearEndpointFailing(tx, ctx.endpoint.id);
          return { kind: 'succeeded' as const, statusCode, error };
        }
        await markEndpointFailing(tx, ctx.endpoint.id);
        const gone = statusCode === 410;
        const disabled = await disableEndpointByDelivery(tx, ctx.endpoint.id, gone ? 'gone' : 'failing', WEBHOOK_FAILING_DISABLE_MS);
        const last = gone || disabled || input.retryInMs === null;
        await updateDeliveryAfterAttempt(tx, record, last ? { status: 'failed' } : { status: 'pending', retryInMs: input.retryInMs ?? 0 });
        return { kind: last ? ('failed' as const) : ('retry' as const), statusCode, error };
      });
    },
  };
}

/** The outcome an attempt logged earlier had, read back from its row and the delivery's status. */
function outcomeOfLogged(status: string, logged: { status_code: number | null; error: string | null }): WebhookAttemptOutcome {
  const detail = { statusCode: logged.status_code, error: logged.error as WebhookAttemptError | null };
  if (status === 'succeeded') return { kind: 'succeeded', ...detail };
  if (status === 'pending') return { kind: 'retry', ...detail };
  if (status === 'failed') return { kind: 'failed', ...detail };
  return { kind: 'canceled' };
}
