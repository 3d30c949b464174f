import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { ensureTemporalCli } from '../../src/cli/provision/temporal-cli.js';
import { type DevServer, startTemporalDevServer } from '../../src/cli/stack/temporal-dev-server.js';
import { rawEvent } from '../support/raw-event.js';
import { freePort } from '../support/free-port.js';
import { startTestStack, type TestStack, waitFor } from '../support/stack.js';
import { deleteEndpoints, endpointFor } from '../support/webhook-fixtures.js';
import { type Receiver, startReceiver } from '../support/webhook-receiver.js';

/**
 * An event committed while Temporal is unreachable is fanned out at once and delivered once
 * Temporal is back (the outbox starts the workflows it could not start). Like relay-restart, this
 * file runs its own dev server (state in a file, so it survives the restart).
 */
describe('webhook delivery across a Temporal restart', () => {
  let stack: TestStack;
  let server: DevServer;
  let receiver: Receiver;
  let cli: string;
  let port: number;
  let dir: string;
  const endpoints: string[] = [];
  const start = () => startTemporalDevServer({ cli, port, dbFile: join(dir, 'temporal.db'), logFile: join(dir, 'temporal.log') });

  before(async () => {
    cli = await ensureTemporalCli({ cacheOverride: process.env.TOLLGATE_CACHE_DIR, env: process.env, log: () => undefined, explicit: process.env.TEMPORAL_CLI });
    port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'tollgate-webhooks-'));
    server = await start();
    receiver = await startReceiver();
    stack = await startTestStack({ TEMPORAL_ADDRESS: server.address, OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' }, { outbox: true });
  });
  after(async () => {
    await deleteEndpoints(stack.pool, endpoints);
    await receiver?.close();
    await stack?.close();
    await server?.child.stop();
  });

  it('delivers an event committed while Temporal was stopped once it is restarted', async () => {
    const type = `test.${randomUUID()}`;
    const e = await endpointFor(stack.pool, receiver.url, [type]);
    endpoints.push(e.id);

    await server.child.stop();
    const eventId = await rawEvent(stack.pool, { type, aggregateType: 'test', aggregateId: `t_${randomUUID()}`, payload: { during: 'outage' } });
    const waiting = await waitFor('the delivery row', async () => {
      const r = await stack.pool.query('SELECT status, workflow_started_at FROM webhook_deliveries WHERE event_id = $1 AND endpoint_id = $2', [eventId, e.id]);
      return r.rows[0];
    });
    assert.deepEqual([waiting.status, waiting.workflow_started_at], ['pending', null], 'fanned out, its workflow waiting for Temporal');
    assert.equal(receiver.received.length, 0);

    server = await start();
    const got = await waitFor('the delivery after the restart', async () => receiver.received[0], 60_000);
    const verified = new Webhook(e.secret).verify(got.body, got.headers) as { id: number; payload: unknown };
    assert.deepEqual([verified.id, verified.payload], [Number(eventId), { during: 'outage' }]);
    const done = await waitFor('the row to show it', async () => {
      const r = await stack.pool.query('SELECT status, attempts, workflow_started_at FROM webhook_deliveries WHERE event_id = $1', [eventId]);
      return r.rows[0]?.status === 'succeeded' ? r.rows[0] : undefined;
    });
    assert.equal(done.attempts, 1);
    assert.ok(done.workflow_started_at instanceof Date);
  });
});
