import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signWebhook, verifyWebhook, webhookHeaders } from '../../src/gateways/standard-webhooks.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('Standard Webhooks signatures', () => {
  it('matches the specification example', () => {
    // The example from the Standard Webhooks specification.
    const body = '{"test": 2432232314}';
    assert.equal(signWebhook(SECRET, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, body), 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('accepts an authentic, fresh message and refuses tampering, staleness and missing headers', () => {
    const body = '{"type":"payment.succeeded"}';
    const now = 1_800_000_000;
    const headers = webhookHeaders(SECRET, 'msg_1', now, body);
    assert.equal(verifyWebhook(SECRET, { ...headers }, body, now + 10, 300), undefined);
    assert.equal(verifyWebhook(SECRET, { ...headers }, body.replace('succeeded', 'failed'), now, 300), 'bad_signature');
    assert.equal(verifyWebhook(SECRET, { ...headers, 'webhook-id': 'msg_2' }, body, now, 300), 'bad_signature');
    assert.equal(verifyWebhook('whsec_b3RoZXItc2VjcmV0', { ...headers }, body, now, 300), 'bad_signature');
    assert.equal(verifyWebhook(SECRET, { ...headers }, body, now + 301, 300), 'stale_timestamp');
    assert.equal(verifyWebhook(SECRET, { 'webhook-id': 'msg_1' }, body, now, 300), 'missing_headers');
    assert.equal(verifyWebhook(SECRET, { ...headers, 'webhook-timestamp': 'soon' }, body, now, 300), 'bad_timestamp');
  });

  it('accepts any matching signature among several (secret rotation)', () => {
    const body = '{}';
    const h = webhookHeaders(SECRET, 'msg_1', 100, body);
    const rotated = { ...h, 'webhook-signature': `v1,AAAA ${h['webhook-signature']}` };
    assert.equal(verifyWebhook(SECRET, rotated, body, 100, 300), undefined);
  });
});
