import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { findLine, isTargetMatchedAlready, markSignaled, matchLineByHand } from '../../db/bank-statements.js';
import { findPayment } from '../../db/payments.js';
import { inTransaction } from '../../db/pool.js';
import { findTemporaryPayment } from '../../db/temporary-payments.js';
import { NotFoundError, StateConflictError, ValidationError } from '../../domain/errors.js';
import { formatDecimal } from '../../domain/money.js';
import { isRepairable, REPAIRABLE_OUTCOMES, takesBankMatch } from '../../domain/statement-matching.js';
import { deliverMatch } from '../../temporal/bank-match.js';
import type { AppEnv } from '../env.js';
import { requireScope } from '../middleware/auth.js';
import { bearer, IdParam, problemResponses } from '../openapi-common.js';
import { BankLine, lineJson } from './statement-json.js';

const MatchBody = z
  .object({
    temporary_payment_id: z.string().min(1).max(100).optional(),
    payment_id: z.string().min(1).max(100).optional().openapi({ description: 'A pending bank_transfer payment' }),
    note: z.string().max(500).optional(),
  })
  .strict()
  .refine((b) => (b.temporary_payment_id === undefined) !== (b.payment_id === undefined), { message: 'give exactly one of temporary_payment_id and payment_id' })
  .openapi('MatchLine');

const matchLineRoute = createRoute({
  method: 'post',
  path: '/v1/bank-lines/{id}/match',
  tags: ['Bank statements'],
  summary: 'Pair an unmatched line by hand',
  description:
    `For booked credits that ended ${REPAIRABLE_OUTCOMES.map((o) => `\`${o}\``).join(', ')}. A temporary payment (open, hand-settled or expired, same currency) is settled by the bank with this line, whatever the amount — a person decided (a settled one records \`bank_confirmed\`); a pending bank-transfer payment must agree in amount and currency.`,
  security: bearer,
  middleware: [requireScope('admin')] as const,
  request: { params: IdParam('bln_9sQ2mZ0pLk4nR7tW'), body: { required: true, content: { 'application/json': { schema: MatchBody } } } },
  responses: {
    200: { description: 'The line, matched', content: { 'application/json': { schema: BankLine } } },
    ...problemResponses(400, 401, 403, 404, 409, 503),
  },
});

export function bankLinesRouter(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(matchLineRoute, async (c) => {
    const { pool, temporal } = c.get('deps');
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const by = c.get('principal').apiKeyId;
    const row = await inTransaction(pool, async (tx) => {
      const line = await findLine(tx, id, { forUpdate: true });
      if (!line) throw new NotFoundError('no such bank line');
      if (!isRepairable(line.outcome)) {
        throw new StateConflictError(`the line is ${line.outcome ?? 'still being imported'}; only ${REPAIRABLE_OUTCOMES.join(', ')} lines can be paired by hand`, { outcome: line.outcome });
      }
      if (line.direction !== 'credit' || line.entry_status !== 'booked' || line.reversal) {
        throw new StateConflictError('only booked incoming payments (credits) can settle anything');
      }
      let target: { temporaryPaymentId: string | null; paymentId: string | null; reference: string };
      // Targets are locked, so an expiry written meanwhile waits and then finds this match.
      if (body.temporary_payment_id) {
        const t = await findTemporaryPayment(tx, body.temporary_payment_id, { forUpdate: true });
        if (!t) throw new NotFoundError(`no temporary payment ${body.temporary_payment_id}`);
        if (!takesBankMatch({ kind: 'temporary', status: t.status, settledReason: t.settled_reason })) throw new StateConflictError(`temporary payment ${t.id} is already settled by the bank (line ${t.bank_line_id ?? ''}); reopen it first to pair another line`);
        if (t.currency !== line.currency) {
          throw new ValidationError(`the line is in ${line.currency}, temporary payment ${t.id} in ${t.currency}`, { errors: [{ path: 'temporary_payment_id', message: 'the currency must agree' }] });
        }
        target = { temporaryPaymentId: t.id, paymentId: null, reference: t.reference };
      } else {
        const p = await findPayment(tx, body.payment_id ?? '', { forUpdate: true });
        if (!p) throw new NotFoundError(`no payment ${body.payment_id ?? ''}`);
        if (!takesBankMatch({ kind: 'payment', status: p.status, adapter: p.adapter })) throw new StateConflictError(`payment ${p.id} is a ${p.status} ${p.adapter} payment; only pending bank transfers wait for a line`);
        if (p.amount_minor !== line.amount_minor || p.currency !== line.currency) {
          throw new ValidationError(`the line brings ${formatDecimal({ minor: line.amount_minor, currency: line.currency })} ${line.currency}, the payment is ${formatDecimal({ minor: p.amount_minor, currency: p.currency })} ${p.currency}`, {
            errors: [{ path: 'payment_id', message: 'amount and currency must agree' }],
          });
        }
        target = { temporaryPaymentId: null, paymentId: p.id, reference: p.reference };
      }
      const matched = await matchLineByHand(tx, id, { ...target, by, detail: body.note ? `paired by hand: ${body.note}` : 'paired by hand' }).catch((err: unknown) => {
        if (isTargetMatchedAlready(err)) throw new StateConflictError('another line already settled that payment');
        throw err;
      });
      if (!matched) throw new StateConflictError('the line changed meanwhile; read it again');
      return matched;
    });
    // Told after the commit; if Temporal is unreachable now, the relay tells it later.
    try {
      const { config } = c.get('deps');
      await markSignaled(pool, [await deliverMatch({ pool, temporal, taskQueue: config.TEMPORAL_TASK_QUEUE }, row, { timeoutMs: config.CALLBACK_SIGNAL_TIMEOUT_MS })]);
    } catch (err) {
      c.get('log').warn({ lineId: row.id, err: err instanceof Error ? err.message : String(err) }, 'hand match not signalled yet; the relay will');
    }
    return c.json(lineJson((await findLine(pool, row.id)) ?? row), 200);
  });
  return app;
}
