import type { Config } from '../config.js';
import { notificationsSink } from '../notifications/sink.js';
import type { OutboxSink } from './sink.js';

/** Every sink the outbox loop runs in a worker process, in this order. */
export function outboxSinks(config: Config): OutboxSink[] {
  return [notificationsSink(config)];
}
