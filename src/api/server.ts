import type { AddressInfo, Socket } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { problemBody } from './problem.js';

/**
 * Room for the largest request the OpenAPI document allows: the statement upload's query string
 * alone may carry a 2,000-character `csv_map`, which percent-encoded is up to 24,000 bytes — past
 * Node's default of 16 KiB, which schemathesis met as a bare 431.
 */
export const MAX_HEADER_BYTES = 64 * 1024;

/**
 * The API's HTTP server, as `node dist/api/main.js` runs it and the tests start it. A request whose
 * line and headers are over MAX_HEADER_BYTES never reaches Hono; Node answers it, here as
 * problem+json like every other refusal rather than with an empty 431 (RFC 6585 §5).
 */
export function listen(fetch: (req: Request) => Response | Promise<Response>, port: number, hostname: string, onListening?: (info: AddressInfo) => void): ServerType {
  const server = serve({ fetch, port, hostname, serverOptions: { maxHeaderSize: MAX_HEADER_BYTES } }, onListening);
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    // As Node's own handler: nothing to answer on a reset or closed socket, or in the middle of a
    // response already under way on a kept-alive connection (a second status line would corrupt it).
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) return socket.destroy();
    // Node's own answers for these, but with a problem body; anything else is a broken client.
    const [status, reason, code, detail] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'request_header_fields_too_large', `the request line and headers are limited to ${MAX_HEADER_BYTES} bytes`]
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'Request Timeout', 'request_timeout', 'the request was not received in time']
          : [400, 'Bad Request', 'malformed_request', 'the request is not valid HTTP'];
    const body = JSON.stringify(problemBody(status, code, detail, undefined));
    socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  return server;
}
