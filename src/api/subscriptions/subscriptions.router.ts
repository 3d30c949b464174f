import { OpenAPIHono } from '@hono/zod-openapi';
import { SUBSCRIPTION_STATES, type SubscriptionState } from '../../domain/subscription.js';
import { listChargeAttempts } from '../../db/charge-attempts.js';
import { findOpenPeriodLink } from '../../db/payment-links.js';
import { listSubscriptions } from '../../db/subscriptions.js';
import { tokenExpiryOf } from '../../gateways/registry.js';
import {
  changeTermsUpdate,
  paymentMethodUpdate,
  reactivateUpdate,
  resumeUpdate,
  stopUpdate,
} from '../../workflows/subscription-messages.js';
import { ValidationError } from '../../domain/errors.js';
import { callerOf } from '../caller.js';
import { pageOf } from '../cursor.js';
import type { AppEnv } from '../env.js';
import { fieldError } from '../field-error.js';
import { idempotent } from '../idempotency.js';
import { hasScope } from '../middleware/auth.js';
import { assertChargeable, assertSchedule } from './charge-limits.js';
import { requestCharge } from './charge-request.js';
import { createSubscription } from './create-subscription.js';
import { runSubscriptionUpdate, visibleSubscription } from './run-update.js';
import { subscriptionJson } from './subscription-json.js';
import {
  changeTermsRoute,
  chargeNowRoute,
  createSubscriptionRoute,
  getSubscriptionRoute,
  listSubscriptionsRoute,
  paymentMethodRoute,
  reactivateRoute,
  requestChargeRoute,
  resumeRoute,
  stopRoute,
} from './subscriptions.routes.js';

function parseStates(text: string | undefined): SubscriptionState[] | undefined {
  if (!text) return undefined;
  const states = text.split(',').map((s) => s.trim());
  const bad = states.filter((s) => !(SUBSCRIPTION_STATES as readonly string[]).includes(s));
  if (bad.length) throw new ValidationError(`state: unknown ${bad.join(', ')}`, { errors: [{ path: 'state', message: `one of ${SUBSCRIPTION_STATES.join(', ')}` }] });
  return states as SubscriptionState[];
}

export function subscriptionsRouter(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(createSubscriptionRoute, async (c) => {
    const body = c.req.valid('json');
    const result = await idempotent(callerOf(c), 'subscriptions.create', body, async (tx) => ({
      status: 201 as const,
      body: subscriptionJson(await createSubscription(c.get('deps'), body, tx)),
    }));
    return c.json(result.body, 201);
  });

  app.openapi(listSubscriptionsRoute, async (c) => {
    const q = c.req.valid('query');
    const { customerId } = c.get('principal');
    const rows = await listSubscriptions(c.get('deps').pool, {
      states: parseStates(q.state),
      customerId: customerId ?? q.customer_id,
      chargeableFrom: q.chargeable_from ? new Date(q.chargeable_from) : undefined,
      chargeableTo: q.chargeable_to ? new Date(q.chargeable_to) : undefined,
      afterId: q.cursor,
      limit: q.limit + 1,
    });
    const p = pageOf(rows, q.limit, (last) => last.id);
    return c.json({ data: p.data.map((r) => subscriptionJson(r)), next_cursor: p.next_cursor }, 200);
  });

  app.openapi(getSubscriptionRoute, async (c) => {
    const row = await visibleSubscription(callerOf(c), c.req.valid('param').id);
    const { pool, config } = c.get('deps');
    const waiting = { link: await findOpenPeriodLink(pool, row.id, row.period), publicBaseUrl: config.publicBaseUrl };
    return c.json(subscriptionJson(row, await listChargeAttempts(pool, row.id), waiting), 200);
  });

  app.openapi(stopRoute, async (c) => {
    const { id } = c.req.valid('param');
    const principal = c.get('principal');
    const by = principal.customerId === null && hasScope(principal.scopes, 'admin') ? 'admin' : 'user';
    const reason = c.req.valid('json');
    const { row, answer: view } = await runSubscriptionUpdate(callerOf(c), id, stopUpdate, [{ by, ...(reason.reason ? { reason: reason.reason } : {}) }]);
    const pending = view.pendingStop;
    if (pending) {
      const detail = 'a charge is in progress; the stop takes effect as soon as it ends';
      return c.json({ ...subscriptionJson(row), pending_stop: { ...pending, detail } }, 202);
    }
    return c.json(subscriptionJson(row), 200);
  });

  app.openapi(reactivateRoute, async (c) => {
    const { row } = await runSubscriptionUpdate(callerOf(c), c.req.valid('param').id, reactivateUpdate, []);
    return c.json(subscriptionJson(row), 200);
  });

  app.openapi(resumeRoute, async (c) => {
    const { row } = await runSubscriptionUpdate(callerOf(c), c.req.valid('param').id, resumeUpdate, []);
    return c.json(subscriptionJson(row), 200);
  });

  app.openapi(chargeNowRoute, async (c) => {
    const body = c.req.valid('json');
    assertChargeable(c.get('deps'), await visibleSubscription(callerOf(c), c.req.valid('param').id), body.amount);
    const result = await requestCharge(callerOf(c), c.req.valid('param').id, 'subscriptions.charge_now', body.amount, { required: false });
    return c.json(result.body, 200);
  });

  app.openapi(requestChargeRoute, async (c) => {
    const { amount } = c.req.valid('json');
    assertChargeable(c.get('deps'), await visibleSubscription(callerOf(c), c.req.valid('param').id), amount);
    const result = await requestCharge(callerOf(c), c.req.valid('param').id, 'subscriptions.charge', amount, { required: true });
    return c.json(result.body, 200);
  });

  app.openapi(changeTermsRoute, async (c) => {
    const body = c.req.valid('json');
    const current = await visibleSubscription(callerOf(c), c.req.valid('param').id);
    const schedule = body.schedule ? fieldError('schedule', () => assertSchedule(current, body.schedule)) : undefined;
    assertChargeable(c.get('deps'), current, body.amount);
    const { row } = await runSubscriptionUpdate(callerOf(c), c.req.valid('param').id, changeTermsUpdate, [
      { ...(body.amount !== undefined ? { amount: body.amount } : {}), ...(schedule ? { schedule } : {}) },
    ]);
    return c.json(subscriptionJson(row), 200);
  });

  app.openapi(paymentMethodRoute, async (c) => {
    const body = c.req.valid('json');
    const current = await visibleSubscription(callerOf(c), c.req.valid('param').id);
    const method = { token: body.token, expires: body.expires ?? tokenExpiryOf(c.get('deps').gateways, current.gateway, body.token) ?? null };
    const { row } = await runSubscriptionUpdate(callerOf(c), current.id, paymentMethodUpdate, [method]);
    return c.json(subscriptionJson(row), 200);
  });

  return app;
}
