import type pg from 'pg';
import { NotFoundError, RuleViolationError, ruleViolation } from '../../domain/errors.js';
import { appendEvent } from '../../db/events.js';
import { inTransaction } from '../../db/pool.js';
import { cancelPendingDeliveries } from '../../db/webhook-deliveries.js';
import {
  countLiveEndpointsForCreate,
  insertWebhookEndpoint,
  lockWebhookEndpoint,
  rotateWebhookEndpointSecret,
  softDeleteWebhookEndpoint,
  updateWebhookEndpoint,
  type WebhookEndpointRow,
} from '../../db/webhook-endpoints.js';
import { urlForEvents } from '../../domain/webhook-url.js';
import { endpointUrlProblem } from '../../webhooks/endpoint-url.js';
import { SECRET_OVERLAP_MS } from '../../webhooks/sign.js';
import type { AppDeps } from '../env.js';
import type { CreateWebhookEndpointBody, UpdateWebhookEndpointBody } from './webhook-endpoints.routes.js';

type Deps = Pick<AppDeps, 'pool' | 'config' | 'now'>;

/**
 * Every change to an endpoint, each with its event in the same transaction (aggregate
 * webhook_endpoint; the payload never carries a secret, nor the URL's user, query or fragment:
 * other endpoints receive these events too).
 */
export type EndpointEventType = 'webhook_endpoint.created' | 'webhook_endpoint.updated' | 'webhook_endpoint.deleted' | 'webhook_endpoint.secret_rotated';

async function recordEvent(tx: pg.PoolClient, type: EndpointEventType, e: WebhookEndpointRow): Promise<void> {
  await appendEvent(tx, {
    type,
    aggregateType: 'webhook_endpoint',
    aggregateId: e.id,
    payload: { endpoint_id: e.id, url: urlForEvents(e.url), event_types: e.event_types, enabled: e.enabled },
  });
}

/**
 * The URL as the parser reads it (host lower-cased, stray tabs and newlines dropped), so what is
 * stored, shown and called is exactly what was checked.
 */
function checkedUrl(deps: Deps, url: string): string {
  const problem = endpointUrlProblem(url, { production: deps.config.TOLLGATE_ENV === 'production', allow: deps.config.OUTBOUND_ALLOWED_HOSTS });
  if (problem) throw ruleViolation('url', problem);
  return new URL(url).href;
}

export async function createEndpoint(deps: Deps, tx: pg.PoolClient, body: CreateWebhookEndpointBody): Promise<WebhookEndpointRow> {
  const url = checkedUrl(deps, body.url);
  const max = deps.config.WEBHOOK_MAX_ENDPOINTS;
  if ((await countLiveEndpointsForCreate(tx)) >= max) {
    throw new RuleViolationError(`this deployment already has ${max} webhook endpoints (WEBHOOK_MAX_ENDPOINTS); delete one first`);
  }
  const row = await insertWebhookEndpoint(tx, {
    url,
    description: body.description ?? '',
    eventTypes: body.event_types ?? ['*'],
    enabled: body.enabled ?? true,
  });
  await recordEvent(tx, 'webhook_endpoint.created', row);
  return row;
}

const sameTypes = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((t, i) => t === b[i]);

/** A change that changes nothing answers the endpoint as it is and writes no event. */
export async function updateEndpoint(deps: Deps, id: string, body: UpdateWebhookEndpointBody): Promise<WebhookEndpointRow> {
  const url = body.url === undefined ? undefined : checkedUrl(deps, body.url);
  return inTransaction(deps.pool, async (tx) => {
    const current = await lockWebhookEndpoint(tx, id);
    if (!current) throw new NotFoundError('no such webhook endpoint');
    const changes =
      (url !== undefined && url !== current.url) ||
      (body.description !== undefined && body.description !== current.description) ||
      (body.event_types !== undefined && !sameTypes(body.event_types, [...current.event_types].sort())) ||
      (body.enabled !== undefined && body.enabled !== current.enabled);
    if (!changes) return current;
    const row = await updateWebhookEndpoint(tx, id, { url, description: body.description, eventTypes: body.event_types, enabled: body.enabled });
    if (!row) throw new NotFoundError('no such webhook endpoint');
    await recordEvent(tx, 'webhook_endpoint.updated', row);
    return row;
  });
}

/** Soft: the row and its deliveries stay; the deliveries still being tried are canceled with it. */
export async function deleteEndpoint(deps: Deps, id: string): Promise<void> {
  await inTransaction(deps.pool, async (tx) => {
    const row = await softDeleteWebhookEndpoint(tx, id);
    if (!row) throw new NotFoundError('no such webhook endpoint');
    await cancelPendingDeliveries(tx, id);
    await recordEvent(tx, 'webhook_endpoint.deleted', row);
  });
}

export async function rotateSecret(deps: Deps, tx: pg.PoolClient, id: string): Promise<WebhookEndpointRow> {
  const row = await rotateWebhookEndpointSecret(tx, id, new Date(deps.now().getTime() + SECRET_OVERLAP_MS));
  if (!row) throw new NotFoundError('no such webhook endpoint');
  await recordEvent(tx, 'webhook_endpoint.secret_rotated', row);
  return row;
}
