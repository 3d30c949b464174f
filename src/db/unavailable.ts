/** Socket errors of a database that is not there (stopped, restarting, unreachable). */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);
/**
 * SQLSTATEs of a server going away or not yet accepting: class 08's connection failures
 * (connection_exception, sqlclient_unable_to_establish_sqlconnection, connection_does_not_exist,
 * sqlserver_rejected_establishment_of_sqlconnection, connection_failure — not 08P01
 * protocol_violation, which a malformed request can cause), admin_shutdown, crash_shutdown,
 * cannot_connect_now.
 */
const SHUTDOWN_STATES = new Set(['08000', '08001', '08003', '08004', '08006', '57P01', '57P02', '57P03']);

/**
 * Whether `err` says the database could not be reached or went away mid-request — an outage the
 * caller may retry (503), not a fault in the request or the query (PostgreSQL Appendix A: class 08
 * is connection_exception).
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || SHUTDOWN_STATES.has(code))) return true;
  // pg's own words for a socket closed under it, or a pool that could not connect in time
  return /^Connection terminated|timeout exceeded when trying to connect/.test(err.message);
}
