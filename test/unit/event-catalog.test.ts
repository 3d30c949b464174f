import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { OpenAPIHono } from '@hono/zod-openapi';
import { eventsRouter } from '../../src/api/events/events.router.js';
import { EVENT_CATALOG, EVENT_TYPES, type EventPayloads, type EventType } from '../../src/events/catalog.js';
import { checkEventPayload, EventPayloadMismatch, setEventPayloadCheck } from '../../src/events/payload-check.js';
import { eventSchemaName } from '../../src/events/openapi.js';
import { eventListMarkdown } from '../../src/events/readme-list.js';
import { EVENT_SAMPLES } from './event-samples.js';

/**
 * The catalog against payloads as the code writes them (samples copied from the write sites'
 * shapes; the integration tests check the real writes, in `throw` mode, too).
 */
const quiet = { warn: () => undefined, error: () => undefined };

describe('event catalog', () => {
  it('has a sample for every type, and every sample is accepted by its schema, closed', () => {
    assert.deepEqual(Object.keys(EVENT_SAMPLES).sort(), [...EVENT_TYPES].sort());
    setEventPayloadCheck('throw', quiet);
    for (const type of EVENT_TYPES) {
      const { aggregate, payload } = EVENT_SAMPLES[type];
      assert.doesNotThrow(() => checkEventPayload(type, aggregate, payload), `${type} sample`);
    }
  });

  it('rejects, for every type, a payload missing a field, one with a field it does not document, and a float of money', () => {
    setEventPayloadCheck('throw', quiet);
    for (const type of EVENT_TYPES) {
      const { aggregate, payload } = EVENT_SAMPLES[type];
      const [first] = Object.keys(payload);
      const { [first as string]: _gone, ...missing } = payload as Record<string, unknown>;
      assert.throws(() => checkEventPayload(type, aggregate, missing), EventPayloadMismatch, `${type} without ${first}`);
      assert.throws(() => checkEventPayload(type, aggregate, { ...payload, surprise: 1 }), /surprise/, `${type} with an undocumented field`);
      if ('amount' in payload) {
        assert.throws(() => checkEventPayload(type, aggregate, { ...payload, amount: 18.15 }), /amount/, `${type} with amount 18.15`);
      }
    }
  });

  it('rejects a type it does not know and an aggregate the type is not written on', () => {
    setEventPayloadCheck('throw', quiet);
    assert.throws(() => checkEventPayload('payment.teleported', 'payment', {}), /not a type in the catalog/);
    const { payload } = EVENT_SAMPLES['payment.succeeded'];
    assert.throws(() => checkEventPayload('payment.succeeded', 'refund', payload), /written on refund, the catalog says payment/);
  });

  it('payment.succeeded must say succeeded: the type and the status agree', () => {
    setEventPayloadCheck('throw', quiet);
    const { aggregate, payload } = EVENT_SAMPLES['payment.succeeded'];
    assert.throws(() => checkEventPayload('payment.succeeded', aggregate, { ...payload, status: 'failed' }), /status/);
  });

  it('in log mode a mismatch is logged (field paths, never values) and not thrown', () => {
    const warnings: Array<{ fields: object; message: string }> = [];
    setEventPayloadCheck('log', { ...quiet, warn: (fields, message) => warnings.push({ fields, message }) });
    const { aggregate, payload } = EVENT_SAMPLES['payment.succeeded'];
    checkEventPayload('payment.succeeded', aggregate, { ...payload, customer_id: 'secret-ish value', amount: 'lots' });
    assert.equal(warnings.length, 1);
    const logged = JSON.stringify(warnings[0]);
    assert.match(logged, /amount/);
    assert.doesNotMatch(logged, /lots|secret-ish/);
    setEventPayloadCheck('throw', quiet);
  });

  it('the OpenAPI document has Event as a union discriminated by type, with one named member per type', () => {
    const app = new OpenAPIHono();
    app.route('/', eventsRouter() as never);
    const doc = app.getOpenAPIDocument({ openapi: '3.0.3', info: { title: 't', version: '1' } });
    const schemas = doc.components?.schemas as Record<string, any>;
    const union = schemas.Event;
    assert.equal(union.discriminator.propertyName, 'type');
    assert.deepEqual(Object.keys(union.discriminator.mapping).sort(), [...EVENT_TYPES].sort());
    assert.equal(union.oneOf.length, EVENT_TYPES.length);
    for (const type of EVENT_TYPES) {
      const name = `${eventSchemaName(type)}Event`;
      assert.equal(union.discriminator.mapping[type], `#/components/schemas/${name}`);
      const member = schemas[name];
      assert.deepEqual(member.properties.type.enum, [type]);
      assert.deepEqual(member.required, ['id', 'type', 'aggregate_type', 'aggregate_id', 'aggregate_version', 'payload', 'created_at']);
      assert.deepEqual(member.properties.aggregate_type.enum, [...EVENT_CATALOG[type].aggregates]);
      assert.ok(member.description.includes(EVENT_CATALOG[type].when));
    }
    // Both routes answer with it.
    const ref = (p: string, status: string) => JSON.stringify((doc.paths[p] as any).get.responses[status].content['application/json'].schema);
    assert.match(ref('/v1/events/{id}', '200'), /#\/components\/schemas\/Event"/);
    assert.match(JSON.stringify(schemas.EventPage), /#\/components\/schemas\/Event"/);
    assert.ok(ref('/v1/events', '200').includes('EventPage'));
  });

  it("the README's Events section lists every type as the catalog says it", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = eventListMarkdown();
    assert.ok(readme.includes(table), `README.md's list of event types differs from the catalog; paste this under "## Events":\n${table}`);
    assert.match(readme, /\*\*Ordering is not guaranteed\.\*\*/);
  });

  it('types its payloads: a wrong payload for a type does not compile', () => {
    // @ts-expect-error payment.refunded has no `status`, and lacks refund_amount and the rest.
    const wrong: EventPayloads['payment.refunded'] = { payment_id: 'pay_1', status: 'succeeded' };
    // @ts-expect-error not a type in the catalog
    const unknown: EventType = 'payment.teleported';
    assert.ok(wrong && unknown);
  });
});
