import assert from 'node:assert/strict';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createCustomer } from '../support/fixtures.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';

/**
 * The amount hook is a URL the API caller chooses, so the worker calls it under the outbound rule:
 * no private addresses unless listed, no redirects, and a stored reason that repeats nothing the
 * hook (or the network behind it) answered.
 */
describe('the amount hook under the outbound rule', () => {
  const SECRET = 'internal-admin-page-secret-4711';
  const servers: Server[] = [];
  let open: TestStack;
  let listed: TestStack;
  before(async () => {
    [open, listed] = await Promise.all([startTestStack(), startTestStack({ OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' })]);
  });
  after(async () => {
    for (const s of servers) s.close();
    await Promise.all([open?.close(), listed?.close()]);
  });

  async function hookAt(handler: RequestListener): Promise<{ url: string; hits: () => number }> {
    let hits = 0;
    const server = createServer((req, res) => {
      hits += 1;
      handler(req, res);
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/amount`, hits: () => hits };
  }

  async function skippedWith(stack: TestStack, url: string) {
    const customer = await createCustomer(stack);
    const sub = await stack.request('POST', '/v1/subscriptions', {
      body: {
        customer_id: customer.id, gateway: 'sandbox', payment_method: { token: 'sandbox_approve' }, amount: 4999, currency: 'PLN',
        schedule: { kind: 'interval', duration: 'PT1H', amount_hook: url }, time_zone: 'Europe/Warsaw', first_charge_at: new Date().toISOString(),
      },
    });
    assert.equal(sub.status, 201, sub.text);
    const event = await waitFor('the period to be skipped', async () => {
      const events = await stack.request('GET', `/v1/events?aggregate_id=${sub.json.id}`);
      return events.json.data.find((e: { type: string }) => e.type === 'subscription.charge_skipped');
    });
    const ledger = await stack.request('GET', `/sandbox/ledger?key_prefix=${sub.json.id}:`);
    assert.deepEqual(ledger.json.data, [], 'nothing was charged');
    return event as { payload: { reason: string } };
  }

  it('refuses a hook on 127.0.0.1 when OUTBOUND_ALLOWED_HOSTS does not list it: skipped, generic reason, no request sent', async () => {
    const hook = await hookAt((_req, res) => res.end(`<html>${SECRET}</html>`));
    const event = await skippedWith(open, hook.url);
    assert.equal(event.payload.reason, 'amount hook refused: private address');
    assert.equal(hook.hits(), 0, 'the hook was never called');
  });

  it('does not follow a hook that redirects (here towards the metadata service)', async () => {
    const hook = await hookAt((_req, res) => res.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/' }).end());
    const event = await skippedWith(listed, hook.url);
    assert.equal(event.payload.reason, 'amount hook answered with a redirect');
    assert.equal(hook.hits(), 1);
  });

  it('stores a generic reason, never the start of the page the hook answered', async () => {
    const hook = await hookAt((_req, res) => res.end(`<html><body>${SECRET}</body></html>`));
    const event = await skippedWith(listed, hook.url);
    assert.equal(event.payload.reason, 'amount hook answered without a positive integer amount or skip');
    assert.doesNotMatch(JSON.stringify(event), /internal-admin|<html/);
    const big = await hookAt((_req, res) => res.end(JSON.stringify({ amount: 100, pad: 'x'.repeat(200_000) })));
    const tooLarge = await skippedWith(listed, big.url);
    assert.equal(tooLarge.payload.reason, 'amount hook answer too large');
  });
});
