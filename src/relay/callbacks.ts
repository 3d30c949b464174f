import { listUndelivered, markDelivered, noteDeliveryFailure } from '../db/inbound-requests.js';
import { noteLateSuccess } from '../db/late-success.js';
import { findPayment } from '../db/payments.js';
import { reverseSucceededRefund } from '../db/refund-outcomes.js';
import { findRefund } from '../db/refunds.js';
import { inTransaction } from '../db/pool.js';
import type { GatewayOutcome } from '../domain/payment.js';
import { type SignalResult, signalDisputeUpdate, signalGatewayOutcome, signalRefundOutcome } from '../temporal/signals.js';
import { startTerminalPayment } from '../temporal/terminal-start.js';
import { type Delivery, deliveryOfRow } from './delivery.js';
import { dispatchBoundMs } from './callback-dispatch.js';
import type { DeliveryMarks } from './delivery-marks.js';
import type { RelayDeps } from './deps.js';

export type DeliveryResult = 'delivered' | 'late' | 'pending';

/**
 * Delivers an accepted callback and records the result on its journal row: by the API's
 * dispatcher after the answer (src/relay/callback-dispatch.ts), and again by the relay. A payment
 * or refund outcome signals its workflow; a dispute update signal-with-starts its dispute's; a
 * note only marks the row. A closed workflow makes the row 'late' (a late payment success is
 * handled by src/db/late-success.ts); an unreachable Temporal leaves it 'accepted' for the relay.
 */
export async function deliverCallback(
  deps: Pick<RelayDeps, 'pool' | 'temporal' | 'log' | 'config'>,
  journalId: bigint,
  delivery: Delivery,
  /** The callback endpoint leaves the 'delivered' mark to these (written after its answer); the relay marks at once. */
  marks?: Pick<DeliveryMarks, 'add'>,
): Promise<DeliveryResult> {
  if (delivery.kind === 'noted') {
    await markDelivered(deps.pool, journalId, 'delivered', delivery.note.slice(0, 500));
    return 'delivered';
  }
  const timeout = { timeoutMs: deps.config.CALLBACK_SIGNAL_TIMEOUT_MS };
  let told: SignalResult;
  try {
    told =
      delivery.kind === 'payment' && delivery.start
        ? await startTerminal(deps, delivery.paymentId, delivery.outcome, timeout)
        : delivery.kind === 'payment'
        ? await signalGatewayOutcome(deps.temporal, delivery.paymentId, delivery.outcome, timeout)
        : delivery.kind === 'refund'
          ? await signalRefundOutcome(deps.temporal, delivery.refundId, delivery.outcome, timeout)
          : await signalDisputeUpdate(deps.temporal, deps.config.TEMPORAL_TASK_QUEUE, { ...delivery.update, journalId: journalId.toString() }, timeout);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    deps.log.warn({ journalId: journalId.toString(), kind: delivery.kind, err: detail }, 'callback not delivered yet; the relay will retry');
    await noteDeliveryFailure(deps.pool, journalId, detail.slice(0, 500));
    return 'pending';
  }
  if (told === 'told') {
    if (marks) marks.add(journalId);
    else await markDelivered(deps.pool, journalId, 'delivered');
    return 'delivered';
  }
  if (delivery.kind === 'payment') return paymentClosed(deps, journalId, delivery.paymentId, delivery.outcome);
  // Signal-with-start never finds a dispute's workflow closed: it starts a new run.
  if (delivery.kind === 'dispute') throw new Error(`dispute ${delivery.update.gatewayDisputeId}: signal-with-start reported a closed workflow`);
  // A refund's workflow ends once its outcome is recorded. A failure of a refund recorded succeeded
  // is the gateway reversing it (the money did not reach the payer): recorded here, not lost.
  if (delivery.outcome.status === 'failed') {
    const { refundId, outcome } = delivery;
    const reversed = await inTransaction(deps.pool, async (tx) => {
      const row = await reverseSucceededRefund(tx, refundId, { gatewayRefundId: outcome.gatewayRefundId, code: outcome.code, message: outcome.message });
      if (row) await markDelivered(tx, journalId, 'delivered', 'the gateway reported the succeeded refund failed: reversed, its amount refundable again');
      return row !== undefined;
    });
    if (reversed) return 'delivered';
  }
  // Any other outcome after the end (the gateway repeating itself, or contradicting what its
  // status query said) is kept on the row for a person.
  const refund = (await findRefund(deps.pool, delivery.refundId))?.status;
  if (refund === delivery.outcome.status) {
    await markDelivered(deps.pool, journalId, 'delivered', `the refund was already ${refund} when this arrived`);
    return 'delivered';
  }
  await markDelivered(deps.pool, journalId, 'late', `the refund workflow had already closed (refund ${refund ?? 'unknown'})`);
  return 'late';
}

/** A terminal's payment: its workflow starts with the success; a payment row that is gone is a closed one. */
async function startTerminal(deps: Pick<RelayDeps, 'pool' | 'temporal' | 'config'>, paymentId: string, outcome: GatewayOutcome, timeout: { timeoutMs: number }): Promise<SignalResult> {
  const payment = await findPayment(deps.pool, paymentId);
  if (!payment) return 'closed';
  return startTerminalPayment(deps.temporal, deps.config.TEMPORAL_TASK_QUEUE, payment, outcome, timeout);
}

/**
 * A payment's workflow had closed. One transaction: a late success is never marked late without
 * its handling. A workflow that closed in the state this callback reports took it (or its twin)
 * already — a relay resending a callback whose 'delivered' mark was lost — so that is a delivery,
 * not a late one.
 */
function paymentClosed(deps: Pick<RelayDeps, 'pool'>, journalId: bigint, paymentId: string, outcome: GatewayOutcome): Promise<DeliveryResult> {
  return inTransaction(deps.pool, async (tx) => {
    const payment = await findPayment(tx, paymentId);
    if (payment?.status === outcome.status) {
      await markDelivered(tx, journalId, 'delivered', `the payment was already ${outcome.status} when this was resent`);
      return 'delivered';
    }
    // Only the delivery that moves the row writes the event: the dispatcher and the relay may both
    // hold one row (a slow signal past the relay's wait), and a late success is noted once.
    if (await markDelivered(tx, journalId, 'late', 'the payment workflow had already closed')) {
      if (outcome.status === 'succeeded') await noteLateSuccess(tx, paymentId, outcome);
    }
    return 'late';
  });
}

/** Rows a relay tick reads at a time. */
export const RELAY_PAGE = 100;

/** How far one relay tick goes: it ends at `deadline` or once `stopped()`, the rest left to the next. */
export interface RelayTickBounds {
  deadline: number;
  stopped: () => boolean;
}

/** The journal and Temporal as the relay uses them; tests pass their own. */
export interface RelayIo {
  list: typeof listUndelivered;
  deliver: (deps: RelayDeps, journalId: bigint, delivery: Delivery) => Promise<DeliveryResult>;
}

/**
 * Accepted callbacks no live dispatcher holds, oldest first: those whose signal failed (Temporal
 * was down; attempts > 0) and those abandoned — decided longer ago than any live dispatcher holds
 * a row (dispatchBoundMs) plus CALLBACK_RELAY_GRACE_MS, so their API process died between
 * answering and signalling. Returns false when Temporal is still away, so the tick ends there.
 * While pages come back full and Temporal answers it reads the next page in the same tick: after
 * one failed signal the dispatcher leaves every new callback here for RELAY_INTERVAL_MS, and one
 * page per tick would fall behind (300 callbacks/s against 100 rows per 5 s). `bounds` keeps a
 * tick finite so the relay's stop() stays prompt.
 */
export async function relayCallbacks(deps: RelayDeps, bounds: RelayTickBounds, io: RelayIo = { list: listUndelivered, deliver: deliverCallback }): Promise<boolean> {
  const abandonedAfterMs = dispatchBoundMs(deps.config) + deps.config.CALLBACK_RELAY_GRACE_MS;
  let afterId = 0n;
  for (;;) {
    const page = await io.list(deps.pool, abandonedAfterMs, RELAY_PAGE, afterId);
    // A page is signalled CALLBACK_DISPATCH_CONCURRENCY rows at a time, as the dispatcher does: a
    // backlog the dispatcher overflowed into the journal drains at Temporal's rate, not at one
    // signal's round trip. The first refusal (Temporal away) or the stop takes no further row.
    let next = 0;
    let away = false;
    let halted = false;
    const signaller = async (): Promise<void> => {
      for (let row = page[next++]; row && !away && !halted; row = page[next++]) {
        if (bounds.stopped()) {
          halted = true;
          return;
        }
        const delivery = deliveryOfRow(row);
        if (!delivery) continue;
        const result = await io.deliver(deps, row.id, delivery);
        if (result === 'pending') away = true; // Temporal still down: try again next tick.
        else deps.log.info({ journalId: row.id.toString(), result }, 'relay delivered a journaled callback');
      }
    };
    await Promise.all(Array.from({ length: Math.min(deps.config.CALLBACK_DISPATCH_CONCURRENCY, page.length) }, signaller));
    if (away) return false;
    if (halted) return true;
    afterId = page.at(-1)?.id ?? afterId;
    if (page.length < RELAY_PAGE || Date.now() >= bounds.deadline) return true;
  }
}
