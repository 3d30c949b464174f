import { webhooksSink } from '../webhooks/sink.js';
import type { OutboxSink } from './sink.js';

/** The sinks every worker process's outbox runs (src/worker/main.ts, test/support/stack.ts), in this order. */
export const OUTBOX_SINKS: readonly OutboxSink[] = [webhooksSink];
