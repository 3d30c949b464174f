import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config.js';

export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';

/**
 * A client whose connection is made on first use, so the API starts (and /readyz answers 503)
 * while Temporal is still down, and recovers by itself when it comes back.
 */
export function createTemporalClient(config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'>): Client {
  const connection = Connection.lazy({ address: config.TEMPORAL_ADDRESS ?? DEFAULT_TEMPORAL_ADDRESS });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}
