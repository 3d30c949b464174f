import { type Connection, isGrpcServiceError } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { TOLLGATE_SEARCH_ATTRIBUTES } from './search-attributes.js';

/** gRPC status codes this file tells apart (google.rpc.Code). */
const GRPC = { INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6, PERMISSION_DENIED: 7, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;

/** Temporal's IndexedValueType numbers for the types Tollgate registers. */
const INDEXED_VALUE_TYPE = { KEYWORD: 2, INT: 3, DATETIME: 6 } as const satisfies Record<string, temporal.api.enums.v1.IndexedValueType>;

/** The gRPC status of a failed call, as a plain number (undefined: not a gRPC answer, e.g. no connection yet). */
function grpcCode(err: unknown): number | undefined {
  return isGrpcServiceError(err) ? Number(err.code) : undefined;
}

export class TemporalSetupError extends Error {
  override name = 'TemporalSetupError';
}

export interface TemporalSetupResult {
  added: string[];
  present: string[];
}

/**
 * `tollgate temporal setup`: registers Tollgate's search attributes in the namespace through the
 * operator service, for a Temporal that `npm start` did not start (docker-compose, a cluster,
 * Temporal Cloud). Idempotent: what is there already is left alone; a name registered with another
 * type is an error naming it. Waits up to `waitMs` for the frontend and the namespace to answer.
 */
export async function setupTemporal(
  connection: Connection,
  namespace: string,
  opts: { waitMs?: number; log?: (line: string) => void } = {},
): Promise<TemporalSetupResult> {
  const log = opts.log ?? (() => undefined);
  const deadline = Date.now() + (opts.waitMs ?? 0);
  let existing: Record<string, temporal.api.enums.v1.IndexedValueType>;
  for (;;) {
    try {
      existing = (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
      break;
    } catch (err) {
      const code = grpcCode(err);
      const retryable = code === GRPC.UNAVAILABLE || code === GRPC.NOT_FOUND || code === GRPC.DEADLINE_EXCEEDED || code === undefined;
      if (!retryable || Date.now() >= deadline) throw explain(err, namespace);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  const result: TemporalSetupResult = { added: [], present: [] };
  const missing: Record<string, temporal.api.enums.v1.IndexedValueType> = {};
  for (const key of TOLLGATE_SEARCH_ATTRIBUTES) {
    const want = INDEXED_VALUE_TYPE[key.type];
    const have = existing[key.name];
    if (have === undefined) missing[key.name] = want;
    else if (Number(have) !== Number(want)) throw new TemporalSetupError(`search attribute ${key.name} exists in namespace "${namespace}" with another type (${have}, expected ${key.type}); remove it or use another namespace.`);
    else result.present.push(key.name);
  }
  if (Object.keys(missing).length === 0) {
    log(`search attributes already registered in namespace "${namespace}": ${result.present.join(', ')}`);
    return result;
  }
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  } catch (err) {
    // Another `temporal setup` (a second compose replica) got there first: what counts is that they exist.
    if (grpcCode(err) !== GRPC.ALREADY_EXISTS) throw explain(err, namespace);
  }
  result.added = Object.keys(missing);
  log(`registered search attributes in namespace "${namespace}": ${result.added.join(', ')}`);
  return result;
}

function explain(err: unknown, namespace: string): TemporalSetupError {
  const code = grpcCode(err);
  const detail = isGrpcServiceError(err) ? err.details : err instanceof Error ? err.message : String(err);
  if (code === GRPC.NOT_FOUND) return new TemporalSetupError(`namespace "${namespace}" does not exist on this Temporal (${detail}); create it first (temporal operator namespace create --namespace ${namespace}) or set TEMPORAL_NAMESPACE.`);
  if (code === GRPC.PERMISSION_DENIED || code === GRPC.UNAUTHENTICATED) {
    return new TemporalSetupError(`Temporal refused to register search attributes in namespace "${namespace}" (${detail}); use a key or certificate with admin rights on the namespace, or add them in your Temporal provider's console.`);
  }
  if (code === GRPC.UNAVAILABLE || code === GRPC.DEADLINE_EXCEEDED || code === undefined) {
    return new TemporalSetupError(`Temporal is unreachable at TEMPORAL_ADDRESS (${detail}).`);
  }
  return new TemporalSetupError(`could not register search attributes in namespace "${namespace}": ${detail}.`);
}

/** True when Temporal refused a start because a search attribute is not registered in the namespace. */
export function isMissingSearchAttribute(err: unknown): boolean {
  const cause = (err as { cause?: unknown } | undefined)?.cause;
  const grpc = isGrpcServiceError(err) ? err : isGrpcServiceError(cause) ? cause : undefined;
  if (!grpc || grpcCode(grpc) !== GRPC.INVALID_ARGUMENT) return false;
  return /search attribute/i.test(grpc.details || grpc.message);
}
