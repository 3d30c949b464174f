import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { addressListed, classifyAddress, hostListed, parseOutboundAllowlist } from '../../src/outbound/addresses.js';
import { outboundUrlProblem, type Resolver, safeRequest } from '../../src/outbound/safe-request.js';

describe('the outbound address classifier', () => {
  const cases: Array<[string, ReturnType<typeof classifyAddress>]> = [
    // IPv4
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['93.184.216.34', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['100.63.255.255', 'public'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['100.128.0.0', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'link_local'],
    ['169.254.0.1', 'link_local'],
    ['172.15.255.255', 'public'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.0', 'public'],
    ['192.168.1.1', 'private'],
    ['192.169.0.1', 'public'],
    ['192.0.0.8', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.255', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    // IPv6
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['[::1]', 'loopback'],
    ['2606:4700:4700::1111', 'public'],
    ['2001:4860:4860::8888', 'public'],
    ['fc00::1', 'unique_local'],
    ['fd12:3456:789a::1', 'unique_local'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['febf::1', 'link_local'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['2001:0:4136:e378::1', 'reserved'],
    ['100::1', 'reserved'],
    ['::2', 'reserved'],
    // IPv4 inside IPv6: judged by the IPv4 address
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::FFFF:169.254.169.254', 'link_local'],
    ['::ffff:a9fe:a9fe', 'link_local'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:8.8.8.8', 'public'],
    ['0:0:0:0:0:ffff:c0a8:0101', 'private'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b::8.8.8.8', 'public'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:a9fe:a9fe::1', 'link_local'],
    ['2002:0808:0808::1', 'public'],
    ['::127.0.0.1', 'reserved'],
    // not addresses
    ['localhost', 'invalid'],
    ['1.2.3', 'invalid'],
    ['', 'invalid'],
  ];
  for (const [ip, kind] of cases) {
    it(`${ip || '(empty)'} is ${kind}`, () => assert.equal(classifyAddress(ip), kind));
  }
});

describe('OUTBOUND_ALLOWED_HOSTS', () => {
  it('takes host names, addresses and CIDR blocks, and matches mapped IPv4 too', () => {
    const allow = parseOutboundAllowlist(' billing.internal , 127.0.0.1, 10.20.0.0/16, fd00::/8 ');
    assert.ok(hostListed('BILLING.internal', allow));
    assert.ok(hostListed('billing.internal.', allow));
    assert.ok(!hostListed('evil-billing.internal', allow));
    assert.ok(addressListed('127.0.0.1', allow));
    assert.ok(addressListed('::ffff:127.0.0.1', allow));
    assert.ok(!addressListed('127.0.0.2', allow));
    assert.ok(addressListed('10.20.255.1', allow));
    assert.ok(!addressListed('10.21.0.1', allow));
    assert.ok(addressListed('fd00::5', allow));
    assert.ok(!addressListed('fe80::1', allow));
  });

  it('is empty by default and refuses entries that are none of the three', () => {
    const empty = loadConfig({}).OUTBOUND_ALLOWED_HOSTS;
    assert.equal(empty.hosts.size + empty.nets.length, 0);
    assert.throws(() => loadConfig({ OUTBOUND_ALLOWED_HOSTS: '10.0.0.0/33' }), /OUTBOUND_ALLOWED_HOSTS: "10.0.0.0\/33" has a bad prefix length/);
    assert.throws(() => loadConfig({ OUTBOUND_ALLOWED_HOSTS: 'http://x' }), /OUTBOUND_ALLOWED_HOSTS/);
  });
});

describe('safeRequest', () => {
  let server: Server;
  let port = 0;
  let hits = 0;
  const none = parseOutboundAllowlist('');
  const loopback = parseOutboundAllowlist('127.0.0.1');
  const req = { method: 'POST' as const, headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs: 2000, maxResponseBytes: 1024 };

  before(async () => {
    server = createServer((r, res) => {
      hits += 1;
      if (r.url === '/redirect') {
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      } else if (r.url === '/big') {
        res.end('x'.repeat(10_000));
      } else if (r.url === '/slow') {
        setTimeout(() => res.end('{}'), 1500);
      } else if (r.url === '/host') {
        res.end(JSON.stringify({ host: r.headers.host }));
      } else if (r.url === '/error') {
        res.writeHead(500).end('<html>internal admin page: secret=hunter2</html>');
      } else {
        res.end('{"amount":1}');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  after(() => server.close());

  it('refuses loopback unless listed, and reaches it when listed', async () => {
    const before = hits;
    assert.deepEqual(await safeRequest(`http://127.0.0.1:${port}/`, req, { allow: none }), { ok: false, failure: 'private_address' });
    assert.equal(hits, before, 'nothing was sent');
    const ok = await safeRequest(`http://127.0.0.1:${port}/`, req, { allow: loopback });
    assert.ok(ok.ok);
    assert.equal(ok.body.toString(), '{"amount":1}');
  });

  it('checks every resolved address of a name, and refuses if any is private', async () => {
    const resolve: Resolver = async () => [{ address: '8.8.8.8', family: 4 }, { address: '169.254.169.254', family: 4 }];
    assert.deepEqual(await safeRequest('http://hook.example/', req, { allow: none, resolve }), { ok: false, failure: 'private_address' });
    const meta = await safeRequest('http://169.254.169.254/latest/meta-data/', req, { allow: none });
    assert.deepEqual(meta, { ok: false, failure: 'private_address' });
    const mapped = await safeRequest(`http://[::ffff:127.0.0.1]:${port}/`, req, { allow: none });
    assert.deepEqual(mapped, { ok: false, failure: 'private_address' });
  });

  it('connects to the address it checked, not to a second DNS answer, keeping the Host header', async () => {
    let lookups = 0;
    // A rebinding resolver: the checked answer first, then an address that must never be dialled.
    const resolve: Resolver = async () => (lookups++ === 0 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '10.255.255.1', family: 4 }]);
    const res = await safeRequest(`http://billing.test:${port}/host`, req, { allow: parseOutboundAllowlist('billing.test'), resolve });
    assert.ok(res.ok, JSON.stringify(res));
    assert.equal(lookups, 1);
    assert.deepEqual(JSON.parse(res.body.toString()), { host: `billing.test:${port}` });
  });

  it('does not follow redirects, caps the answer, times out, and reports a status without its text', async () => {
    assert.deepEqual(await safeRequest(`http://127.0.0.1:${port}/redirect`, req, { allow: loopback }), { ok: false, failure: 'redirect', status: 302 });
    assert.deepEqual(await safeRequest(`http://127.0.0.1:${port}/big`, req, { allow: loopback }), { ok: false, failure: 'too_large', status: 200 });
    assert.deepEqual(await safeRequest(`http://127.0.0.1:${port}/slow`, { ...req, timeoutMs: 200 }, { allow: loopback }), { ok: false, failure: 'timeout' });
    assert.deepEqual(await safeRequest(`http://127.0.0.1:${port}/error`, req, { allow: loopback }), { ok: false, failure: 'http_status', status: 500 });
    const closed = await safeRequest('http://127.0.0.1:1/', req, { allow: loopback });
    assert.deepEqual(closed, { ok: false, failure: 'unreachable' });
  });

  it('truncates instead of failing when asked: a 2xx with a large body is a success with its first bytes', async () => {
    const big = await safeRequest(`http://127.0.0.1:${port}/big`, { ...req, overflow: 'truncate' }, { allow: loopback });
    assert.ok(big.ok);
    assert.equal(big.body.toString(), 'x'.repeat(1024));
    const error = await safeRequest(`http://127.0.0.1:${port}/error`, { ...req, overflow: 'truncate', errorBody: true }, { allow: loopback });
    assert.deepEqual(error, { ok: false, failure: 'http_status', status: 500, body: Buffer.from('<html>internal admin page: secret=hunter2</html>') });
  });

  it('refuses URLs with credentials or another scheme before any lookup', async () => {
    const resolve: Resolver = async () => assert.fail('no lookup for a refused URL');
    for (const url of ['ftp://hook.example/x', 'file:///etc/passwd', 'http://user:pw@hook.example/', 'gopher://hook.example/', 'not a url']) {
      assert.ok(outboundUrlProblem(url), url);
      assert.deepEqual(await safeRequest(url, req, { allow: none, resolve }), { ok: false, failure: 'bad_url' });
    }
    assert.equal(outboundUrlProblem('https://billing.example/amount?x=1'), undefined);
  });
});
