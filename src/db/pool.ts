import pg from 'pg';

/**
 * Anything that runs a query: the pool or a client inside a transaction.
 *
 * The statements on a hot path (a charge's; every inbound request's: the journal INSERTs, the
 * payer lookup, a payment's rows and events) carry a `name`: pg prepares each once per connection
 * and Postgres then skips parsing and planning it — half of Postgres's CPU per terminal pay and
 * check (bench:terminals' "Postgres CPU ms/req": 4.4 → 2.3 ms per pay). A name belongs to one
 * constant text. Behind a pooler in transaction mode this needs PgBouncer ≥ 1.21 with
 * max_prepared_statements set (README).
 */
export type Queryable = Pick<pg.PoolClient, 'query'>;

// bigint columns arrive as strings by default; money must stay exact, so they become BigInt.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => BigInt(v));

/** How long a query waits for a connection (a paused or unreachable server) before it fails as an outage (503). */
const CONNECT_TIMEOUT_MS = 10_000;

export function createPool(connectionString: string, max = 10, onIdleError: (err: Error) => void = () => undefined): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // An idle client cut off by the server (a Postgres restart: 57P01) is emitted here, and an
  // 'error' event nobody listens to kills the process — every API and worker at once. The pool
  // has already dropped that client; the next query connects afresh or fails and reports it
  // (the API answers 503, an activity retries).
  pool.on('error', onIdleError);
  // The pool listens only while a client is idle. One checked out — a transaction between two of
  // its queries, a client handed from one waiter to the next — that the server cuts off emits its
  // 'error' with no query to fail, and unheard that kills the process too. Every client is heard
  // for its whole life: pg has already failed its queries and marked it unqueryable, so its
  // holder's next query fails (and is reported there) and the pool drops it on release.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** What createPool's callers do with an idle client's error: say so, and go on (the pool reconnects). */
export function warnIdleErrors(log: { warn: (fields: object, message: string) => void }): (err: Error) => void {
  return (err) => log.warn({ err: err.message }, 'an idle database connection failed (a Postgres restart?); the next query reconnects');
}

/** A pool, or a client already inside a transaction that inTransaction then joins. */
export type Db = pg.Pool | pg.PoolClient;

let savepoints = 0;

/**
 * Runs fn in a transaction; commits on success, rolls back and rethrows on failure. Given a client
 * already in a transaction (an idempotent request saving its response with the business write),
 * fn runs inside it under a savepoint, and the caller's transaction commits both or neither.
 */
export async function inTransaction<T>(db: Db, fn: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  if (!(db instanceof pg.Pool)) {
    const name = `tg_sp_${(savepoints += 1)}`;
    await db.query(`SAVEPOINT ${name}`);
    try {
      const result = await fn(db);
      await db.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (err) {
      await db.query(`ROLLBACK TO SAVEPOINT ${name}`).catch(() => undefined);
      throw err;
    }
  }
  const pool = db;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * Runs fn in a transaction of its own at REPEATABLE READ: every query sees one snapshot, so figures
 * read by several queries (a report's tables) agree with each other. Only on a pool: the level must
 * be set before a transaction's first query, which a joined transaction has run already.
 */
export async function inRepeatableReadTransaction<T>(pool: pg.Pool, fn: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  return inTransaction(pool, async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    return fn(tx);
  });
}
