import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { stopAccepting } from '../../src/api/stop-server.js';

/** A server whose one request is held until answer() is called: a request still in flight. */
async function serverWithRequestInFlight(): Promise<{ server: Server; answer: () => void }> {
  let answer: () => void = () => undefined;
  let arrived: () => void = () => undefined;
  const inFlight = new Promise<void>((resolve) => (arrived = resolve));
  const server = createServer((_req, res) => {
    answer = () => void res.end('ok');
    arrived();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  request({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', path: '/' }, (res) => res.resume())
    .on('error', () => undefined)
    .end();
  await inFlight;
  return { server, answer: () => answer() };
}

/**
 * src/api/main.ts drains the callback dispatcher only after stopAccepting: a request still in
 * flight may not have reserved its dispatcher slot yet, and a drain that began before it would
 * return early and let the pool close under its signal.
 */
describe('stopping the API server (src/api/stop-server.ts)', () => {
  it('resolves only once the request in flight is answered', async () => {
    const { server, answer } = await serverWithRequestInFlight();
    let closed: boolean | undefined;
    const stopping = stopAccepting(server, 5000).then((c) => (closed = c));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(closed, undefined, 'the request in flight holds the stop');
    const answered = Date.now();
    answer();
    await stopping;
    assert.equal(closed, true);
    assert.ok(Date.now() - answered < 1000, 'the kept-alive connection is closed once idle, not at its keep-alive timeout');
  });

  it('gives up at its bound, saying so, when a request is never answered', async () => {
    const { server, answer } = await serverWithRequestInFlight();
    assert.equal(await stopAccepting(server, 30), false);
    answer();
    server.closeAllConnections();
  });
});
