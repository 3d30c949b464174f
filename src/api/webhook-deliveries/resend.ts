import { NotFoundError, StateConflictError, ValidationError } from '../../domain/errors.js';
import { inTransaction } from '../../db/pool.js';
import { findWebhookDelivery, requeueDeliveries, type WebhookDeliveryView } from '../../db/webhook-deliveries.js';
import { lockWebhookEndpoint, type WebhookEndpointRow } from '../../db/webhook-endpoints.js';
import type { AppDeps } from '../env.js';
import { RECOVER_MAX_AGE_DAYS } from './webhook-deliveries.routes.js';

type Deps = Pick<AppDeps, 'pool' | 'now'>;

/*
 * Sending again goes through requeueDeliveries only: the delivery becomes pending in a new run and
 * the outbox starts webhook-delivery:<id>:<run>. The endpoint's row is locked first, so a disable or
 * a delete racing the resend either comes before it (409) or after it (and stops what it queued).
 */

function assertSendable(e: WebhookEndpointRow | undefined): asserts e is WebhookEndpointRow {
  if (!e) throw new StateConflictError('the endpoint of this delivery was deleted; nothing is sent to it any more');
  if (!e.enabled) throw new StateConflictError(`the endpoint ${e.id} is disabled (${e.disabled_reason ?? 'user'}); enable it first (PATCH enabled: true)`);
}

export async function retryDelivery(deps: Deps, id: string): Promise<WebhookDeliveryView> {
  return inTransaction(deps.pool, async (tx) => {
    const delivery = await findWebhookDelivery(tx, id);
    if (!delivery) throw new NotFoundError('no such webhook delivery');
    assertSendable(await lockWebhookEndpoint(tx, delivery.endpoint_id));
    const moved = await requeueDeliveries(tx, { ids: [id] });
    if (moved.length === 0) throw new StateConflictError('the delivery is still pending: it is being tried; retry it once it has failed');
    const row = await findWebhookDelivery(tx, id);
    if (!row) throw new NotFoundError('no such webhook delivery');
    return row;
  });
}

export async function recoverDeliveries(deps: Deps, endpointId: string, sinceText: string): Promise<number> {
  const since = new Date(sinceText);
  // The route's schema takes only real RFC 3339 times; this guards the query against any other.
  if (Number.isNaN(since.getTime())) throw new ValidationError('since: not a time', { errors: [{ path: 'since', message: 'an RFC 3339 date-time' }] });
  const now = deps.now();
  const oldest = new Date(now.getTime() - RECOVER_MAX_AGE_DAYS * 86_400_000);
  if (since < oldest) {
    throw new ValidationError(`since: at most ${RECOVER_MAX_AGE_DAYS} days ago`, { errors: [{ path: 'since', message: `must be after ${oldest.toISOString()}` }] });
  }
  if (since > now) throw new ValidationError('since: in the future', { errors: [{ path: 'since', message: 'must not be in the future' }] });
  return inTransaction(deps.pool, async (tx) => {
    const endpoint = await lockWebhookEndpoint(tx, endpointId);
    if (!endpoint) throw new NotFoundError('no such webhook endpoint');
    assertSendable(endpoint);
    return (await requeueDeliveries(tx, { endpointId, failedSince: since })).length;
  });
}
