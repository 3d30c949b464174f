import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a receiver got, as it arrived. */
export interface Received {
  at: number;
  headers: Record<string, string>;
  body: string;
}

export interface Answer {
  status: number;
  body?: string;
  delayMs?: number;
}

/**
 * A real HTTP receiver for webhook tests: records every POST, and answers what `answer` says for
 * the n-th request (1-based) — a status, an optional body, an optional delay before answering.
 */
export interface Receiver {
  url: string;
  received: Received[];
  answer: (n: number, r: Received) => Answer | Promise<Answer>;
  close(): Promise<void>;
}

export async function startReceiver(answer: Receiver['answer'] = () => ({ status: 200 })): Promise<Receiver> {
  const r: Receiver = { url: '', received: [], answer, close: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const got: Received = {
        at: Date.now(),
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')])),
        body: Buffer.concat(chunks).toString('utf8'),
      };
      r.received.push(got);
      void Promise.resolve(r.answer(r.received.length, got)).then((a) => {
        const send = () => {
          if (res.destroyed) return;
          res.writeHead(a.status, { 'content-type': 'text/plain' });
          res.end(a.body ?? '');
        };
        if (a.delayMs) setTimeout(send, a.delayMs);
        else send();
      });
    });
  });
  // Keep-alive sockets would hold close() open; each attempt uses its own connection anyway.
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  r.close = () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return r;
}
