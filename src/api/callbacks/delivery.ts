import { WorkflowNotFoundError } from '@temporalio/client';
import { listUndelivered, markDelivered, noteDeliveryFailure } from '../../db/inbound-requests.js';
import { inTransaction } from '../../db/pool.js';
import { relayStatementWork } from '../bank-statements/relay.js';
import type { GatewayOutcome } from '../../domain/payment.js';
import { paymentWorkflowId } from '../../temporal/workflow-ids.js';
import { gatewayOutcomeSignal } from '../../workflows/payment.js';
import type { AppDeps } from '../env.js';
import { noteLateSuccess } from '../../db/late-success.js';

export type DeliveryResult = 'delivered' | 'late' | 'pending';

/**
 * Signals the payment workflow with an accepted callback and records the result on its journal
 * row. A closed workflow makes the row 'late' (kept for a person); an unreachable Temporal leaves
 * it 'accepted' for the relay.
 */
export async function deliverCallback(
  deps: Pick<AppDeps, 'pool' | 'temporal' | 'log' | 'config'>,
  journalId: bigint,
  paymentId: string,
  outcome: GatewayOutcome,
): Promise<DeliveryResult> {
  try {
    // Bounded: a sender must not wait on a Temporal outage; the relay takes over.
    await deps.temporal.connection.withDeadline(Date.now() + deps.config.CALLBACK_SIGNAL_TIMEOUT_MS, () =>
      deps.temporal.workflow.getHandle(paymentWorkflowId(paymentId)).signal(gatewayOutcomeSignal, outcome),
    );
    await markDelivered(deps.pool, journalId, 'delivered');
    return 'delivered';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      // One transaction: a late success is never marked late without its event.
      await inTransaction(deps.pool, async (tx) => {
        await markDelivered(tx, journalId, 'late', 'the payment workflow had already closed');
        if (outcome.status === 'succeeded') await noteLateSuccess(tx, paymentId, outcome);
      });
      return 'late';
    }
    const detail = err instanceof Error ? err.message : String(err);
    deps.log.warn({ journalId: journalId.toString(), paymentId, err: detail }, 'callback not delivered yet; the relay will retry');
    await noteDeliveryFailure(deps.pool, journalId, detail.slice(0, 500));
    return 'pending';
  }
}

/**
 * Delivers accepted callbacks whose signal failed (Temporal was down). Runs in every API process;
 * a double delivery is harmless because the workflow acts on the first outcome only.
 */
export function startCallbackRelay(deps: Pick<AppDeps, 'pool' | 'temporal' | 'log' | 'config'>): () => Promise<void> {
  let running: Promise<void> | undefined;
  const tick = async () => {
    // Rows whose request is still signalling (no attempt recorded yet) are left alone for a minute.
    const abandonedBefore = new Date(Date.now() - 60_000 - deps.config.CALLBACK_SIGNAL_TIMEOUT_MS);
    const rows = await listUndelivered(deps.pool, abandonedBefore, 100);
    for (const row of rows) {
      if (!row.payment_id) continue;
      const result = await deliverCallback(deps, row.id, row.payment_id, row.signal as GatewayOutcome);
      if (result === 'pending') return; // Temporal still down: try again next tick.
      deps.log.info({ journalId: row.id.toString(), result }, 'relay delivered a journaled callback');
    }
    // The same outage leaves statement work behind too (older than a few signal timeouts).
    await relayStatementWork(deps, new Date(Date.now() - 5 * deps.config.CALLBACK_SIGNAL_TIMEOUT_MS));
  };
  const timer = setInterval(() => {
    if (running) return;
    running = tick()
      .catch((err: unknown) => deps.log.error({ err }, 'callback relay tick failed'))
      .finally(() => {
        running = undefined;
      });
  }, deps.config.RELAY_INTERVAL_MS);
  return async () => {
    clearInterval(timer);
    await running;
  };
}
