import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, DEV_LOOKUP_HOOK_SECRET, loadConfig } from '../../src/config.js';
import { writeGatewaysFile } from '../support/gateways-file.js';

/** LOOKUP_HOOK_URL under TOLLGATE_ENV=production: the outbound rule and a real secret, checked at start. */
describe('lookup hook settings', () => {
  const production = (over: Record<string, string>) => ({
    TOLLGATE_ENV: 'production',
    TOLLGATE_GATEWAYS_FILE: writeGatewaysFile([{ name: 'bank_transfer', adapter: 'bank_transfer', mode: 'live', account: { iban: 'DE89370400440532013000', holder: 'Example ISP GmbH' } }]),
    DATABASE_URL: 'postgres://tollgate:n0t-the-default-Pa55@db:5432/tollgate',
    AMOUNT_HOOK_SECRET: 'whsec_cHJvZHVjdGlvbi1hbW91bnQtaG9vay1zZWNyZXQ=',
    LOOKUP_HOOK_SECRET: 'whsec_cHJvZHVjdGlvbi1sb29rdXAtaG9vay1zZWNyZXQ=',
    ...over,
  });
  const refusal = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
      return err.message;
    }
    return assert.fail('accepted');
  };

  it('starts with an https hook on a public name', () => {
    const config = loadConfig(production({ LOOKUP_HOOK_URL: 'https://billing.example.com/tollgate/lookup' }));
    assert.equal(config.LOOKUP_HOOK_URL, 'https://billing.example.com/tollgate/lookup');
  });

  it('refuses an inside address the outbound rule forbids, plain http, and the development secret', () => {
    assert.match(refusal(production({ LOOKUP_HOOK_URL: 'https://169.254.169.254/latest' })), /LOOKUP_HOOK_URL points at a link-local address/);
    assert.match(refusal(production({ LOOKUP_HOOK_URL: 'https://billing.internal/lookup' })), /LOOKUP_HOOK_URL names the host "billing.internal"/);
    assert.match(refusal(production({ LOOKUP_HOOK_URL: 'http://billing.example.com/lookup' })), /LOOKUP_HOOK_URL must be an https URL/);
    assert.match(refusal(production({ LOOKUP_HOOK_URL: 'https://billing.example.com/lookup', LOOKUP_HOOK_SECRET: DEV_LOOKUP_HOOK_SECRET })), /LOOKUP_HOOK_SECRET is a published development default/);
    const listed = loadConfig(production({ LOOKUP_HOOK_URL: 'https://10.0.0.5/lookup', OUTBOUND_ALLOWED_HOSTS: '10.0.0.0/8' }));
    assert.equal(listed.LOOKUP_HOOK_URL, 'https://10.0.0.5/lookup', 'an inside address OUTBOUND_ALLOWED_HOSTS lists is fine');
  });

  it('refuses a URL that is not http(s) in any environment', () => {
    assert.match(refusal({ LOOKUP_HOOK_URL: 'file:///etc/passwd' }), /LOOKUP_HOOK_URL: must be an http\(s\) URL/);
    assert.match(refusal({ LOOKUP_HOOK_URL: 'https://user:pw@billing.example.com/' }), /LOOKUP_HOOK_URL/);
  });
});
