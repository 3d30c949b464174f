import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rateLimitBlock } from '../../src/gateways/cidr.js';

describe('the block a portal rate limit counts an address in', () => {
  it('an IPv4 address alone, an IPv4-mapped one as its IPv4', () => {
    assert.equal(rateLimitBlock('203.0.113.7'), '203.0.113.7/32');
    assert.equal(rateLimitBlock('::ffff:203.0.113.7'), '203.0.113.7/32');
    assert.equal(rateLimitBlock('::FFFF:203.0.113.7'), '203.0.113.7/32');
  });
  it('an IPv6 address by its /64, however it is written', () => {
    assert.equal(rateLimitBlock('2001:db8:1:2::1'), '2001:db8:1:2::/64');
    assert.equal(rateLimitBlock('2001:db8:1:2:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
    assert.equal(rateLimitBlock('2001:0DB8:0001:0002:0:0:0:9'), '2001:db8:1:2::/64');
    assert.equal(rateLimitBlock('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(rateLimitBlock('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.notEqual(rateLimitBlock('2001:db8:1:3::1'), rateLimitBlock('2001:db8:1:2::1'));
  });
  it('nothing for what is not an address', () => {
    assert.equal(rateLimitBlock(undefined), undefined);
    assert.equal(rateLimitBlock('unknown'), undefined);
  });
});
