import { Hono } from 'hono';
import type { Logger } from 'pino';
import { z } from 'zod';
import { NotFoundError, StateConflictError, ValidationError } from '../../domain/errors.js';
import { findChargeForDispute } from '../../db/disputes.js';
import { findPayment } from '../../db/payments.js';
import type { GatewayMode } from '../../gateways/settings.js';
import { type SandboxDisputeTarget, sandboxDisputeCallbacks, signedDisputeCallback } from '../../gateways/sandbox/disputes.js';
import type { AppDeps, AppEnv } from '../env.js';
import { zodIssues } from '../problem.js';
import { requireScope } from '../middleware/auth.js';

const DisputeBody = z
  .object({
    /** Absent: the dispute is only raised (open); won or lost: raised and decided at once. */
    outcome: z.enum(['won', 'lost']).optional(),
    // Letters, digits and _ as processors' reason codes are (fraudulent, product_not_received).
    reason: z.string().regex(/^[a-z0-9_]{1,100}$/, 'a reason code: a-z, 0-9 and _').default('fraudulent'),
  })
  .strict();

/** The money a sandbox dispute is about, with the gateway and mode whose secret signs its callbacks. */
interface Disputable {
  target: SandboxDisputeTarget;
  gateway: string;
  mode: GatewayMode;
}

/**
 * The sandbox's pretend processor raises and decides disputes (chargebacks) of money it captured:
 * admin-only, because it is the processor speaking. Each call posts the processor's signed
 * callbacks (`dispute.created`, then `dispute.closed` when an outcome is given) to the callback
 * route, exactly as a real processor's webhooks arrive, and answers what Tollgate said to each.
 */
export function sandboxDisputesRouter(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  const raise = async (deps: AppDeps, log: Logger, raw: unknown, disputable: Disputable) => {
    const parsed = DisputeBody.safeParse(raw ?? {});
    if (!parsed.success) throw new ValidationError('the dispute body is invalid', { errors: zodIssues(parsed.error) });
    const secret = deps.gateways.get(disputable.gateway)?.settings.secrets[disputable.mode];
    if (!secret) throw new StateConflictError(`gateway ${disputable.gateway} has no ${disputable.mode}-mode secret to sign the dispute with`);
    const url = deps.config.sandboxCallbackUrl.replace('{gateway}', encodeURIComponent(disputable.gateway));
    const sent: Array<{ type: string; status: number | null }> = [];
    let disputeId = '';
    for (const body of sandboxDisputeCallbacks(disputable.target, parsed.data.outcome, parsed.data.reason)) {
      disputeId = body.data.dispute_id;
      const signed = signedDisputeCallback(secret, body, Math.floor(Date.now() / 1000));
      const res = await fetch(url, { method: 'POST', headers: signed.headers, body: signed.body }).catch((err: unknown) => {
        log.error({ err }, 'sandbox could not deliver its dispute callback');
        return undefined;
      });
      sent.push({ type: body.type, status: res?.status ?? null });
      if (!res?.ok) break; // a processor retries later; a dispute is never decided before it was raised
    }
    return { dispute_id: disputeId, callbacks: sent, accepted: sent.every((s) => s.status !== null && s.status < 300) };
  };

  const jsonBody = async (req: Request): Promise<unknown> => {
    const text = await req.text();
    if (!text) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ValidationError('the body is not JSON', { errors: [{ path: '(body)', message: 'JSON' }] });
    }
  };

  app.post('/sandbox/payments/:id/dispute', requireScope('admin'), async (c) => {
    const deps = c.get('deps');
    const payment = await findPayment(deps.pool, c.req.param('id'));
    if (!payment || payment.adapter !== 'sandbox') throw new NotFoundError('no such sandbox payment');
    if (payment.status !== 'succeeded') throw new StateConflictError(`only captured money can be disputed; the payment is ${payment.status}`);
    const target = { paymentId: payment.id, amountMinor: payment.amount_minor, currency: payment.currency };
    return c.json(await raise(deps, c.get('log'), await jsonBody(c.req.raw), { target, gateway: payment.gateway, mode: payment.mode }), 202);
  });

  app.post('/sandbox/charge-attempts/:id/dispute', requireScope('admin'), async (c) => {
    const deps = c.get('deps');
    const id = c.req.param('id');
    const charge = await findChargeForDispute(deps.pool, id);
    if (!charge || deps.gateways.get(charge.gateway)?.settings.adapter !== 'sandbox') throw new NotFoundError('no such sandbox charge attempt');
    if (charge.status !== 'succeeded') throw new StateConflictError(`only captured money can be disputed; the charge attempt is ${charge.status}`);
    const target = { chargeAttemptId: id, amountMinor: charge.amount_minor, currency: charge.currency };
    return c.json(await raise(deps, c.get('log'), await jsonBody(c.req.raw), { target, gateway: charge.gateway, mode: charge.mode }), 202);
  });

  return app;
}
