import type { Config } from '../config.js';
import { notificationsSink } from '../notifications/sink.js';
import { webhooksSink } from '../webhooks/sink.js';
import type { OutboxSink } from './sink.js';

/** The sinks every worker process's outbox runs (src/worker/main.ts, test/support/stack.ts), in this order. */
export function outboxSinks(config: Config): OutboxSink[] {
  return [webhooksSink, notificationsSink(config)];
}
