import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientIp } from '../../src/api/inbound.js';

describe('the caller address behind trusted proxies', () => {
  const trusted = ['10.0.0.0/8', '127.0.0.1'];
  it('is the peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    assert.equal(clientIp('203.0.113.9', '198.51.100.7', []), '203.0.113.9');
    assert.equal(clientIp('127.0.0.1', '198.51.100.7', []), '127.0.0.1');
  });
  it('is the peer when the peer is not a trusted proxy', () => {
    assert.equal(clientIp('203.0.113.9', '198.51.100.7', trusted), '203.0.113.9');
  });
  it('is the right-most address that is not a trusted proxy', () => {
    assert.equal(clientIp('10.1.1.1', '198.51.100.7', trusted), '198.51.100.7');
    assert.equal(clientIp('10.1.1.1', '198.51.100.7, 10.2.2.2, 127.0.0.1', trusted), '198.51.100.7');
    assert.equal(clientIp('10.1.1.1', '1.2.3.4, 198.51.100.7', trusted), '198.51.100.7', 'the left part is what the client wrote');
    assert.equal(clientIp('::ffff:10.1.1.1', '2001:db8::5', trusted), '2001:db8::5');
  });
  it('is the left-most hop when every hop is trusted, and the peer when the header is absent or unreadable', () => {
    assert.equal(clientIp('10.1.1.1', '10.3.3.3, 10.2.2.2', trusted), '10.3.3.3');
    assert.equal(clientIp('10.1.1.1', undefined, trusted), '10.1.1.1');
    assert.equal(clientIp('10.1.1.1', 'garbage', trusted), '10.1.1.1');
    assert.equal(clientIp(undefined, '198.51.100.7', trusted), undefined);
  });
});
