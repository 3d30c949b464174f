import { createRoute, type z } from '@hono/zod-openapi';
import { type ApiKeyScope } from '../../db/api-keys.js';
import { requireScope } from '../middleware/auth.js';
import { bearer, IdempotencyHeaders, IdParam, problemResponses, RequiredIdempotencyHeaders } from '../openapi-common.js';
import {
  ChangeTermsBody,
  ChargeBody,
  ChargeNowBody,
  CreateSubscriptionBody,
  ListQuery,
  PaymentMethodBody,
  StopBody,
  Subscription,
  SubscriptionPage,
} from './subscriptions.schemas.js';

const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });

export const createSubscriptionRoute = createRoute({
  method: 'post',
  path: '/v1/subscriptions',
  tags: ['Subscriptions'],
  summary: 'Create a recurring subscription',
  description:
    'Starts workflow `subscription:<id>`, which charges on the schedule and retries by the retry schedule. ' +
    "States and REMP's names for them: active (active), past_due (pending / charge_failed with retries left), " +
    'user_stopped (user_stop), admin_stopped (admin_stop), system_stopped (system_stop: hard_decline, retries_exhausted, card_expired, ended, disputed).',
  security: bearer,
  middleware: [requireScope('billing')] as const,
  request: { headers: IdempotencyHeaders, body: { required: true, ...json(CreateSubscriptionBody) } },
  responses: { 201: { description: 'Created', ...json(Subscription) }, ...problemResponses(400, 401, 403, 404, 409, 422, 503) },
});

export const listSubscriptionsRoute = createRoute({
  method: 'get',
  path: '/v1/subscriptions',
  tags: ['Subscriptions'],
  summary: 'List subscriptions',
  description: 'Filter by state (several, comma-separated), customer and next charge window; page with next_cursor. A customer token sees only its customer.',
  security: bearer,
  middleware: [requireScope('read', { allowCustomerToken: true })] as const,
  request: { query: ListQuery },
  responses: { 200: { description: 'A page', ...json(SubscriptionPage) }, ...problemResponses(400, 401, 403) },
});

export const getSubscriptionRoute = createRoute({
  method: 'get',
  path: '/v1/subscriptions/{id}',
  tags: ['Subscriptions'],
  summary: 'A subscription with its next charge and every charge attempt',
  security: bearer,
  middleware: [requireScope('read', { allowCustomerToken: true })] as const,
  request: { params: IdParam('sub_…') },
  responses: { 200: { description: 'The subscription', ...json(Subscription) }, ...problemResponses(401, 403, 404) },
});

function actionRoute<B extends z.ZodType>(
  action: string,
  scope: ApiKeyScope,
  summary: string,
  body: B,
  opts: {
    customerToken?: boolean;
    method?: 'post' | 'put';
    headers?: typeof IdempotencyHeaders | typeof RequiredIdempotencyHeaders;
    description?: string;
    accepted?: string;
  } = {},
) {
  return createRoute({
    method: opts.method ?? 'post',
    path: `/v1/subscriptions/{id}/${action}`,
    tags: ['Subscriptions'],
    summary,
    ...(opts.description ? { description: opts.description } : {}),
    security: bearer,
    middleware: [requireScope(scope, { allowCustomerToken: opts.customerToken ?? false })] as const,
    request: { params: IdParam('sub_…'), ...(opts.headers ? { headers: opts.headers } : {}), body: { required: false, ...json(body) } },
    responses: {
      200: { description: 'The subscription after the change', ...json(Subscription) },
      ...(opts.accepted ? { 202: { description: opts.accepted, ...json(Subscription) } } : {}),
      ...problemResponses(400, 401, 403, 404, 409, 422, 503),
    },
  });
}

export const stopRoute = actionRoute(
  'stop',
  'billing',
  'Stop (user stop; an admin key stops as admin_stopped). From active or past_due; during a charge it is accepted (202) and takes effect when that charge ends; else 409.',
  StopBody,
  { customerToken: true, accepted: 'A charge is in progress: the stop is accepted (pending_stop) and takes effect as soon as it ends' },
);
export const reactivateRoute = actionRoute('reactivate', 'billing', 'Reactivate a user-stopped subscription while its next charge is now or ahead (REMP: >= now), else 409', StopBody, { customerToken: true });
export const resumeRoute = actionRoute('resume', 'admin', 'Resume an admin-stopped subscription (admin only)', StopBody);
const CHARGE_IDEMPOTENCY =
  'With an Idempotency-Key, a retried request never charges twice: the same key and body answer the first result (also after a timeout or a 503 — retry with the same key), ' +
  'the same key with another body is 422. The key is kept for IDEMPOTENCY_KEY_TTL (default P7D).';
export const chargeNowRoute = actionRoute('charge-now', 'admin', "Charge the current period now (admin). The amount must pass the gateway's recurring limits (422)", ChargeNowBody, {
  headers: IdempotencyHeaders,
  description: CHARGE_IDEMPOTENCY,
});
export const requestChargeRoute = actionRoute('charges', 'billing', "Charge an automatic subscription the given amount (Uniteller automatic mode), within the gateway's recurring limits (422)", ChargeBody, {
  headers: RequiredIdempotencyHeaders,
  description: `Idempotency-Key is required (400 without it). ${CHARGE_IDEMPOTENCY}`,
});
export const paymentMethodRoute = actionRoute('payment-method', 'billing', 'Replace the payment method; a past_due subscription retries at once', PaymentMethodBody, { method: 'put' });

export const changeTermsRoute = createRoute({
  method: 'patch',
  path: '/v1/subscriptions/{id}',
  tags: ['Subscriptions'],
  summary: 'Change amount or plan, effective from the next period',
  security: bearer,
  middleware: [requireScope('billing')] as const,
  request: { params: IdParam('sub_…'), body: { required: true, ...json(ChangeTermsBody) } },
  responses: { 200: { description: 'The subscription', ...json(Subscription) }, ...problemResponses(400, 401, 403, 404, 409, 422, 503) },
});
