import { listUndelivered, markDelivered, noteDeliveryFailure } from '../db/inbound-requests.js';
import { noteLateSuccess } from '../db/late-success.js';
import { findPayment } from '../db/payments.js';
import { inTransaction } from '../db/pool.js';
import type { GatewayOutcome } from '../domain/payment.js';
import { signalGatewayOutcome } from '../temporal/signals.js';
import { dispatchBoundMs } from './callback-dispatch.js';
import type { DeliveryMarks } from './delivery-marks.js';
import type { RelayDeps } from './deps.js';

export type DeliveryResult = 'delivered' | 'late' | 'pending';

/**
 * Signals the payment workflow with an accepted callback and records the result on its journal
 * row: by the API's dispatcher after the answer (src/relay/callback-dispatch.ts), and again by the
 * relay. A closed workflow makes the row 'late' (kept for a person); an unreachable Temporal leaves
 * it 'accepted' for the relay.
 */
export async function deliverCallback(
  deps: Pick<RelayDeps, 'pool' | 'temporal' | 'log' | 'config'>,
  journalId: bigint,
  paymentId: string,
  outcome: GatewayOutcome,
  /** The callback endpoint leaves the 'delivered' mark to these (written after its answer); the relay marks at once. */
  marks?: Pick<DeliveryMarks, 'add'>,
): Promise<DeliveryResult> {
  let told: Awaited<ReturnType<typeof signalGatewayOutcome>>;
  try {
    told = await signalGatewayOutcome(deps.temporal, paymentId, outcome, { timeoutMs: deps.config.CALLBACK_SIGNAL_TIMEOUT_MS });
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    deps.log.warn({ journalId: journalId.toString(), paymentId, err: detail }, 'callback not delivered yet; the relay will retry');
    await noteDeliveryFailure(deps.pool, journalId, detail.slice(0, 500));
    return 'pending';
  }
  if (told === 'told') {
    if (marks) marks.add(journalId);
    else await markDelivered(deps.pool, journalId, 'delivered');
    return 'delivered';
  }
  // One transaction: a late success is never marked late without its event. A workflow that
  // closed in the state this callback reports took it (or its twin) already — a relay resending a
  // callback whose 'delivered' mark was lost — so that is a delivery, not one for a person.
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
  deliver: (deps: RelayDeps, journalId: bigint, paymentId: string, outcome: GatewayOutcome) => Promise<DeliveryResult>;
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
    for (const row of page) {
      if (bounds.stopped()) return true;
      afterId = row.id;
      if (!row.payment_id) continue;
      const result = await io.deliver(deps, row.id, row.payment_id, row.signal as GatewayOutcome);
      if (result === 'pending') return false; // Temporal still down: try again next tick.
      deps.log.info({ journalId: row.id.toString(), result }, 'relay delivered a journaled callback');
    }
    if (page.length < RELAY_PAGE || Date.now() >= bounds.deadline) return true;
  }
}
