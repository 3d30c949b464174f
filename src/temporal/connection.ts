import { readFileSync } from 'node:fs';
import { Client, Connection, type ConnectionOptions, type TLSConfig } from '@temporalio/client';
import { type Config, ConfigError } from '../config.js';

export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';

export type TemporalConnectionConfig = Pick<
  Config,
  'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_TLS' | 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY' | 'TEMPORAL_TLS_CA' | 'TEMPORAL_TLS_SERVER_NAME' | 'TEMPORAL_API_KEY'
>;

/** What both the client's Connection and the worker's NativeConnection take. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig;
  apiKey?: string;
}

/**
 * The one place Tollgate's Temporal connection settings are built, for the API's client, the
 * worker and the CLI: plain on loopback for the dev server; TLS when any TEMPORAL_TLS_* is set,
 * TEMPORAL_TLS=true, or TEMPORAL_API_KEY is given (Temporal Cloud); mTLS with a client cert and key.
 */
export function temporalConnectionOptions(
  config: Partial<TemporalConnectionConfig>,
  readFile: (path: string) => Buffer = (path) => readFileSync(path),
): TemporalConnectionOptions {
  const address = config.TEMPORAL_ADDRESS ?? DEFAULT_TEMPORAL_ADDRESS;
  const { TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key, TEMPORAL_TLS_CA: ca, TEMPORAL_TLS_SERVER_NAME: serverName, TEMPORAL_API_KEY: apiKey } = config;
  if ((cert === undefined) !== (key === undefined)) {
    throw new ConfigError(`TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together (mTLS needs both the client certificate and its key); only ${cert ? 'TEMPORAL_TLS_CERT' : 'TEMPORAL_TLS_KEY'} is set.`);
  }
  const useTls = config.TEMPORAL_TLS === true || cert !== undefined || ca !== undefined || serverName !== undefined || apiKey !== undefined;
  if (!useTls) return { address };
  const read = (variable: string, path: string): Buffer => {
    try {
      return readFile(path);
    } catch (err) {
      throw new ConfigError(`cannot read ${variable} (${path}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
    }
  };
  const tls: TLSConfig = {
    ...(serverName !== undefined && { serverNameOverride: serverName }),
    ...(ca !== undefined && { serverRootCACertificate: read('TEMPORAL_TLS_CA', ca) }),
    ...(cert !== undefined && key !== undefined && { clientCertPair: { crt: read('TEMPORAL_TLS_CERT', cert), key: read('TEMPORAL_TLS_KEY', key) } }),
  };
  return { address, tls, ...(apiKey !== undefined && { apiKey }) };
}

/**
 * A client whose connection is made on first use, so the API starts (and /readyz answers 503)
 * while Temporal is still down, and recovers by itself when it comes back.
 */
export function createTemporalClient(config: Pick<TemporalConnectionConfig, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'> & Partial<TemporalConnectionConfig>): Client {
  const options: ConnectionOptions = temporalConnectionOptions(config);
  const connection = Connection.lazy(options);
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}
