import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { journalCallback } from '../../src/db/callback-journal.js';
import { createPool, type Queryable } from '../../src/db/pool.js';
import { DeliveryMarks } from '../../src/relay/delivery-marks.js';
import { createCustomer, createPayment } from '../support/fixtures.js';
import { freePort } from '../support/free-port.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/** The 'delivered' marks the callback endpoint leaves for after its answer, on the real journal. */
describe('delivery marks', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({}, { worker: false });
  });
  after(async () => {
    await stack?.close();
  });

  /** `count` accepted journal rows, as the endpoint leaves them before signalling. */
  async function accepted(count: number): Promise<bigint[]> {
    const payment = await createPayment(stack, (await createCustomer(stack)).id);
    const ids: bigint[] = [];
    for (let i = 0; i < count; i++) {
      const entry = await journalCallback(stack.pool, {
        channel: 'callback', source: 'sandbox', method: 'POST', path: '/v1/callbacks/sandbox', headers: {}, body: '{}', bodyTruncated: false, sourceIp: '127.0.0.1',
        eventId: `msg_${randomUUID()}`, lookup: { by: 'payment', id: payment.id }, signedMode: 'test',
        signal: { kind: 'payment', outcome: { status: 'succeeded', gatewayTransactionId: `t-${i}` } },
      });
      assert.equal(entry.outcome, 'accepted');
      ids.push(entry.id);
    }
    return ids;
  }

  const outcomes = async (ids: bigint[]) =>
    (await stack.pool.query<{ outcome: string; attempts: number; delivered: boolean }>({
      text: 'SELECT outcome, attempts, delivered_at IS NOT NULL AS delivered FROM inbound_requests WHERE id = ANY($1::bigint[]) ORDER BY id',
      values: [ids.map(String)],
    })).rows;

  it('writes marks added together in a few UPDATEs, each row delivered once with one attempt', async () => {
    const ids = await accepted(40);
    let updates = 0;
    // The real pool, counting the statements it is given.
    const counting = {
      query: (config: { text: string; values: unknown[] }) => {
        updates += 1;
        return stack.pool.query(config);
      },
    } as unknown as Queryable;
    const marks = new DeliveryMarks(counting, pino({ level: 'silent' }));
    for (const id of ids) marks.add(id);
    marks.add(ids[0] as bigint); // a second mark of a row already delivered changes nothing
    await marks.flush();
    assert.ok(updates <= 2, `${updates} UPDATEs for 41 marks`);
    assert.deepEqual(await outcomes(ids), ids.map(() => ({ outcome: 'delivered', attempts: 1, delivered: true })));
  });

  it('leaves the rows accepted for the relay when the marks cannot be written, and does not throw', async () => {
    const ids = await accepted(3);
    const warnings: string[] = [];
    // A Postgres that is not there: a pool to a port nothing listens on.
    const away = createPool(`postgres://tollgate@127.0.0.1:${await freePort()}/tollgate`, 1);
    const marks = new DeliveryMarks(away, pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) }));
    for (const id of ids) marks.add(id);
    await marks.flush();
    await away.end();
    assert.match(warnings.join(''), /the relay will deliver these callbacks again/);
    assert.deepEqual(await outcomes(ids), ids.map(() => ({ outcome: 'accepted', attempts: 0, delivered: false })));
  });
});
