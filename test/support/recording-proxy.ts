import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The form body Stripe's client sent, decoded (`line_items[0][quantity]` → '1'). */
  form: URLSearchParams;
  status: number;
}

/**
 * A loopback HTTP proxy in front of the run's stripe-mock that keeps every request the adapter
 * sent and the status stripe-mock answered. stripe-mock validates each request against Stripe's
 * OpenAPI spec but answers with fixed fixtures, so what Tollgate asked for is read here. On `port`
 * when given (a gateway configured at an address nothing listens on yet comes up there).
 */
export async function startRecordingProxy(target: string, port = 0): Promise<{ url: string; requests: RecordedRequest[]; close(): Promise<void> }> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length' && k !== 'connection') headers.set(k, v);
      fetch(target + (req.url ?? '/'), { method: req.method, headers, body: req.method === 'GET' || req.method === 'DELETE' ? undefined : body })
        .then(async (answer) => {
          const text = await answer.text();
          requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, form: new URLSearchParams(body.toString('utf8')), status: answer.status });
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json', 'request-id': answer.headers.get('request-id') ?? '' });
          res.end(text);
        })
        .catch((err: unknown) => {
          res.writeHead(502);
          res.end(String(err));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
