import { insertDeliveriesForEvents, markDeliveriesStarted, unstartedDeliveries } from '../db/webhook-deliveries.js';
import type { OutboxSink } from '../outbox/sink.js';
import { startWebhookDeliveryWorkflow } from '../temporal/webhook-starts.js';

/** Workflow starts in flight at once per pass: enough to keep up with a burst, few enough not to flood Temporal. */
const START_CONCURRENCY = 32;

/**
 * The webhooks sink of the outbox (src/outbox/sink.ts): an event becomes one delivery per endpoint
 * that wants it, and each delivery gets its workflow. A start refused because Temporal is away
 * leaves that delivery unstarted for the next pass (the others of the batch that did start are
 * marked), so an event committed during an outage is delivered once Temporal is back.
 */
export const webhooksSink: OutboxSink = {
  name: 'webhooks',

  async fanOut(tx, events) {
    await insertDeliveriesForEvents(tx, events);
  },

  async startPending(deps, limit) {
    const rows = await unstartedDeliveries(deps.pool, limit);
    const started: Array<{ id: string; run: number }> = [];
    let failure: unknown;
    for (let i = 0; i < rows.length && failure === undefined; i += START_CONCURRENCY) {
      await Promise.all(
        rows.slice(i, i + START_CONCURRENCY).map(async (row) => {
          try {
            await startWebhookDeliveryWorkflow(deps.temporal, deps.taskQueue, row, { eager: deps.eagerStart === true });
            started.push(row);
          } catch (err) {
            failure ??= err;
          }
        }),
      );
    }
    await markDeliveriesStarted(deps.pool, started);
    if (failure !== undefined) {
      deps.log.warn({ err: failure instanceof Error ? failure.message : 'start refused', waiting: rows.length - started.length }, 'webhook deliveries wait for Temporal; the next outbox pass starts them');
    }
    // Short of `limit` ends the loop's catch-up, which is what an outage needs too.
    return failure === undefined ? started.length : 0;
  },
};
