import type { z } from '@hono/zod-openapi';
import { EVENT_CATALOG, isEventType } from './catalog.js';

/**
 * What a write does when its payload does not match its type's schema. `throw` in development and
 * tests: every test that writes an event then proves the catalog (and so the README and the OpenAPI
 * document) says what the code writes. `log` in production: the event is written as it is and the
 * mismatch logged, so a documentation gap never blocks a money transaction.
 */
export type PayloadCheckMode = 'throw' | 'log';

interface Log { warn: (fields: object, message: string) => void; error: (fields: object, message: string) => void }

/**
 * A process-wide setting, not a dependency passed down: events are appended deep inside ledger
 * functions that take only a Queryable, and the rule is one per process (its TOLLGATE_ENV). Set
 * once by buildAppDeps and createTollgateWorker; until then `log` to stderr, the safe side.
 */
let mode: PayloadCheckMode = 'log';
let log: Log = { warn: (fields, message) => console.warn(message, fields), error: (fields, message) => console.error(message, fields) };

export function setEventPayloadCheck(m: PayloadCheckMode, logger?: Log): void {
  mode = m;
  if (logger) log = logger;
}

export function payloadCheckFor(env: 'development' | 'production'): PayloadCheckMode {
  return env === 'production' ? 'log' : 'throw';
}

/** Thrown in `throw` mode: the write rolls back, and the test that made it fails naming the field. */
export class EventPayloadMismatch extends Error {
  override name = 'EventPayloadMismatch';
}

// Closed copies: a field written but not in the schema is a mismatch too (the document is open to receivers).
const strict = new Map<string, z.ZodType>(Object.entries(EVENT_CATALOG).map(([type, spec]) => [type, spec.payload.strict()]));

/** Checks one write against the catalog: its type, aggregate type and payload. */
export function checkEventPayload(type: string, aggregateType: string, payload: unknown): void {
  const problem = problemOf(type, aggregateType, payload);
  if (problem === undefined) return;
  // Field paths and messages only: never the payload's values.
  const fields = { type, aggregate_type: aggregateType, problem };
  if (mode === 'throw') {
    // Logged too: inside an activity the throw is retried, and a test sees only its timeout
    // (TEST_LOG_LEVEL=error shows this line).
    log.error(fields, 'an event does not match its schema in src/events/catalog.ts; not written');
    throw new EventPayloadMismatch(`event ${type}: ${problem}`);
  }
  log.warn(fields, 'an event was written that does not match its schema in src/events/catalog.ts');
}

function problemOf(type: string, aggregateType: string, payload: unknown): string | undefined {
  if (!isEventType(type)) return 'not a type in the catalog';
  const aggregates: readonly string[] = EVENT_CATALOG[type].aggregates;
  if (!aggregates.includes(aggregateType)) return `written on ${aggregateType}, the catalog says ${aggregates.join(' or ')}`;
  const res = strict.get(type)?.safeParse(payload);
  if (!res || res.success) return undefined;
  return res.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ');
}
