import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOutboundAllowlist } from '../../src/outbound/addresses.js';
import { endpointUrlProblem } from '../../src/webhooks/endpoint-url.js';

const dev = { production: false, allow: parseOutboundAllowlist('') };

describe('webhook endpoint URLs, as registered', () => {
  it('takes public http(s) URLs, and only https in production', () => {
    assert.equal(endpointUrlProblem('https://billing.example.com/hooks?x=1', dev), undefined);
    assert.equal(endpointUrlProblem('http://billing.example.com/hooks', dev), undefined);
    assert.equal(endpointUrlProblem('http://8.8.8.8/hooks', dev), undefined);
    assert.equal(endpointUrlProblem('https://[2606:4700:4700::1111]/', dev), undefined);
    assert.match(endpointUrlProblem('http://billing.example.com/hooks', { ...dev, production: true }) ?? '', /https URL in production/);
    assert.equal(endpointUrlProblem('https://billing.example.com/hooks', { ...dev, production: true }), undefined);
  });

  it('refuses other schemes, credentials, garbage and overlong URLs', () => {
    assert.match(endpointUrlProblem('ftp://example.com/', dev) ?? '', /http or https/);
    assert.match(endpointUrlProblem('file:///etc/passwd', dev) ?? '', /http or https/);
    assert.match(endpointUrlProblem('https://user:pw@example.com/', dev) ?? '', /credentials/);
    assert.match(endpointUrlProblem('not a url', dev) ?? '', /not a URL/);
    assert.match(endpointUrlProblem(`https://example.com/${'a'.repeat(2048)}`, dev) ?? '', /at most 2048/);
  });

  it('refuses addresses that are not public, in every spelling the URL parser accepts', () => {
    for (const url of [
      'http://127.0.0.1/',
      'http://2130706433/', // 127.0.0.1 as one number
      'http://0x7f.1/', // and in hex
      'http://10.1.2.3/',
      'http://192.168.0.10:8080/',
      'http://169.254.169.254/latest/meta-data/', // the cloud metadata service
      'http://[::1]/',
      'http://[::ffff:10.0.0.1]/', // IPv4-mapped
      'http://[fd00::1]/',
      'http://0.0.0.0/',
    ]) {
      assert.match(endpointUrlProblem(url, dev) ?? '', /address .* OUTBOUND_ALLOWED_HOSTS/, url);
    }
  });

  it('refuses names that are never public: localhost, .local, .internal, a name without a domain', () => {
    for (const url of ['http://localhost:3000/', 'http://LOCALHOST./', 'http://api.localhost/', 'http://printer.local/', 'http://metadata.google.internal/', 'http://intranet/', 'http://router.home.arpa/']) {
      assert.match(endpointUrlProblem(url, dev) ?? '', /not public.*OUTBOUND_ALLOWED_HOSTS/, url);
    }
  });

  it('takes what OUTBOUND_ALLOWED_HOSTS lists, by name, address or block', () => {
    const allow = parseOutboundAllowlist('localhost, 10.0.0.0/8, billing-lms');
    assert.equal(endpointUrlProblem('http://localhost:3000/', { ...dev, allow }), undefined);
    assert.equal(endpointUrlProblem('http://10.20.30.40/', { ...dev, allow }), undefined);
    assert.equal(endpointUrlProblem('http://billing-lms/hooks', { ...dev, allow }), undefined);
    assert.match(endpointUrlProblem('http://192.168.1.1/', { ...dev, allow }) ?? '', /private address/);
  });
});
