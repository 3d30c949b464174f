import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { ApiKeyScope } from '../db/api-keys.js';
import type { GatewayRegistry } from '../gateways/types.js';
import type { IdentifyPayer } from '../identification/types.js';
import type { ImportSlots } from './bank-statements/import-slots.js';
import type { Metrics } from './middleware/metrics.js';
import type { CallbackDispatcher } from '../relay/callback-dispatch.js';
import type { DeliveryMarks } from '../relay/delivery-marks.js';

/** Everything the API needs, built once in src/api/main.ts; tests build the same with their own. */
export interface AppDeps {
  config: Config;
  pool: pg.Pool;
  temporal: Client;
  gateways: GatewayRegistry;
  log: Logger;
  metrics: Metrics;
  now: () => Date;
  /** Statement imports running in this process, at most STATEMENT_MAX_CONCURRENT_IMPORTS. */
  statementImports: ImportSlots;
  /** The 'delivered' marks of signalled callbacks, written after the answer in batches; flushed on stop. */
  deliveryMarks: DeliveryMarks;
  /** Signals accepted callbacks after their answer, a bounded backlog; drained on stop, the rest is the relay's. */
  callbackDispatch: CallbackDispatcher;
  /** Finds the customer a payer at a terminal or on the top-up portal means (src/identification). */
  identifyPayer: IdentifyPayer;
}

/** The caller, as authenticated by an API key. */
export interface Principal {
  apiKeyId: string;
  scopes: readonly ApiKeyScope[];
  /** Set when the caller holds a customer-scoped token: it reaches only this customer's data. */
  customerId: string | null;
}

/**
 * What a service needs of the request that asked, as plain values: the deps, who is asking, and
 * the Idempotency-Key if one was sent. Routers build it with callerOf(c) (src/api/caller.ts);
 * services never see a Hono Context.
 */
export interface Caller {
  deps: AppDeps;
  principal: Principal;
  idempotencyKey: string | undefined;
}

export interface AppEnv {
  Variables: {
    deps: AppDeps;
    requestId: string;
    log: Logger;
    principal: Principal;
  };
}
