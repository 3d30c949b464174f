import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crossSiteReason } from '../../src/api/portal/same-origin.js';

const BASE = 'https://pay.example.net/';
const check = (secFetchSite: string | undefined, origin: string | undefined) => crossSiteReason({ secFetchSite, origin }, BASE);

describe('portal POSTs: where the form was sent from', () => {
  it('Sec-Fetch-Site decides when the browser sends it', () => {
    assert.equal(check('same-origin', 'https://elsewhere.example'), undefined);
    assert.equal(check('none', undefined), undefined);
    assert.equal(check('cross-site', 'https://pay.example.net'), 'Sec-Fetch-Site cross-site');
    assert.equal(check('same-site', undefined), 'Sec-Fetch-Site same-site', 'a sibling subdomain is another site for the portal');
  });
  it('else Origin must be PUBLIC_BASE_URL\'s origin', () => {
    assert.equal(check(undefined, 'https://pay.example.net'), undefined);
    assert.equal(check(undefined, 'HTTPS://PAY.EXAMPLE.NET'), undefined);
    assert.equal(check(undefined, 'https://evil.example'), 'Origin https://evil.example');
    assert.equal(check(undefined, 'http://pay.example.net'), 'Origin http://pay.example.net');
    assert.equal(check(undefined, 'null'), 'Origin null', 'a sandboxed frame or data: page');
  });
  it('neither header: not a browser form, let through', () => {
    assert.equal(check(undefined, undefined), undefined);
  });
});
