import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ensureAdminKey } from '../../src/api/bootstrap.js';
import { generateApiKey } from '../../src/api/api-keys/api-keys.router.js';
import { hashApiKey } from '../../src/api/middleware/auth.js';
import { runCli } from '../support/cli-run.js';
import { testEnv } from '../support/env.js';
import { createCustomer } from '../support/fixtures.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/**
 * Keys as an attacker holding one would try them: revoked, expired, the configured admin key after
 * its revocation and a restart, and the CLI's flags. Every refusal says which it was.
 */
describe('API keys and customer tokens (real API, Postgres)', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({}, { worker: false });
  });
  after(async () => {
    await stack?.close();
  });

  async function mint(body: Record<string, unknown>, key?: string) {
    const res = await stack.request('POST', '/v1/api-keys', { body: { name: 'test', ...body }, ...(key ? { key } : {}) });
    return res;
  }
  const readWith = (key: string) => stack.request('GET', '/v1/customers?limit=1', { key });

  it('DELETE /v1/api-keys/:id revokes: 204, then the key is refused with 401 saying so; again 204; unknown 404', async () => {
    const minted = await mint({ scopes: ['read'] });
    assert.equal(minted.status, 201, minted.text);
    assert.equal(minted.json.expires_at, null, 'keys do not expire unless asked');
    assert.equal((await readWith(minted.json.key)).status, 200);

    const del = await stack.request('DELETE', `/v1/api-keys/${minted.json.id}`);
    assert.equal(del.status, 204, del.text);
    const refused = await readWith(minted.json.key);
    assert.equal(refused.status, 401);
    assert.equal(refused.json.code, 'unauthorized');
    assert.match(refused.json.detail, new RegExp(`^the API key ${minted.json.id} was revoked at \\d{4}-`));

    const { rows } = await stack.pool.query<{ revoked_at: Date }>('SELECT revoked_at FROM api_keys WHERE id = $1', [minted.json.id]);
    assert.equal((await stack.request('DELETE', `/v1/api-keys/${minted.json.id}`)).status, 204, 'revoking twice is fine');
    const again = await stack.pool.query<{ revoked_at: Date }>('SELECT revoked_at FROM api_keys WHERE id = $1', [minted.json.id]);
    assert.deepEqual(again.rows[0]?.revoked_at, rows[0]?.revoked_at, 'and keeps the first time');
    const unknown = await stack.request('DELETE', '/v1/api-keys/key_doesnotexist');
    assert.equal(unknown.status, 404);
  });

  it('only admin keys revoke, and an admin key may revoke itself', async () => {
    const billing = await mint({ scopes: ['billing'] });
    const admin = await mint({ scopes: ['admin'] });
    assert.equal((await stack.request('DELETE', `/v1/api-keys/${admin.json.id}`, { key: billing.json.key })).status, 403);
    assert.equal((await stack.request('DELETE', `/v1/api-keys/${admin.json.id}`, { key: admin.json.key })).status, 204);
    assert.equal((await stack.request('GET', '/v1/api-keys', { key: admin.json.key })).status, 401);
  });

  it('GET /v1/api-keys lists keys and tokens without secrets or hashes', async () => {
    const minted = await mint({ scopes: ['read'], expires_in: 'P7D' });
    const list = await stack.request('GET', '/v1/api-keys?limit=500');
    assert.equal(list.status, 200, list.text);
    const listed = list.json.data.find((k: { id: string }) => k.id === minted.json.id);
    assert.deepEqual(Object.keys(listed).sort(), ['created_at', 'customer_id', 'expires_at', 'id', 'key_prefix', 'name', 'revoked_at', 'scopes']);
    assert.equal(listed.key_prefix, minted.json.key.slice(0, 8));
    assert.equal(listed.expires_at, minted.json.expires_at);
    assert.ok(!list.text.includes(minted.json.key), 'no secret in the list');
    assert.ok(!list.text.includes(hashApiKey(minted.json.key)), 'no hash in the list');
  });

  it('takes expires_at / expires_in, refuses both or the past, and refuses an expired key with 401 saying so', async () => {
    const inAnHour = await mint({ scopes: ['read'], expires_in: 'PT1H' });
    assert.equal(inAnHour.status, 201, inAnHour.text);
    const lifetime = Date.parse(inAnHour.json.expires_at) - Date.now();
    assert.ok(lifetime > 59 * 60_000 && lifetime <= 3600_000, `expires in an hour, got ${lifetime} ms`);
    const at = new Date(Date.now() + 86_400_000).toISOString();
    assert.equal((await mint({ scopes: ['read'], expires_at: at })).json.expires_at, at);
    assert.equal((await mint({ scopes: ['read'], expires_at: at, expires_in: 'PT1H' })).status, 400);
    const past = await mint({ scopes: ['read'], expires_at: '2020-01-01T00:00:00Z' });
    assert.equal(past.status, 400);
    assert.deepEqual(past.json.errors, [{ path: 'expires_at', message: 'must be in the future' }]);
    assert.equal((await mint({ scopes: ['read'], expires_in: 'soon' })).status, 400);
    const forever = await mint({ scopes: ['read'], expires_in: 'P99999999D' });
    assert.equal(forever.status, 400, 'a lifetime past any valid date is refused, not a 500');
    assert.deepEqual(forever.json.errors, [{ path: 'expires_in', message: 'at most ten years from now' }]);

    assert.equal((await readWith(inAnHour.json.key)).status, 200);
    // The hour passes.
    await stack.pool.query("UPDATE api_keys SET created_at = now() - interval '2 hours', expires_at = now() - interval '1 second' WHERE id = $1", [inAnHour.json.id]);
    const expired = await readWith(inAnHour.json.key);
    assert.equal(expired.status, 401);
    assert.match(expired.json.detail, new RegExp(`^the API key ${inAnHour.json.id} expired at \\d{4}-`));
  });

  it('customer tokens expire after an hour by default, at most P30D, and can be revoked', async () => {
    const customer = await createCustomer(stack);
    const minted = await stack.request('POST', `/v1/customers/${customer.id}/tokens`);
    assert.equal(minted.status, 201, minted.text);
    const lifetime = Date.parse(minted.json.expires_at) - Date.now();
    assert.ok(lifetime > 59 * 60_000 && lifetime <= 3600_000, `one hour, got ${lifetime} ms`);
    const own = () => stack.request('GET', `/v1/subscriptions?customer_id=${customer.id}`, { key: minted.json.token });
    assert.equal((await own()).status, 200);

    const longer = await stack.request('POST', `/v1/customers/${customer.id}/tokens`, { body: { expires_in: 'P30D' } });
    assert.equal(longer.status, 201, longer.text);
    const tooLong = await stack.request('POST', `/v1/customers/${customer.id}/tokens`, { body: { expires_in: 'P31D' } });
    assert.equal(tooLong.status, 400);
    assert.deepEqual(tooLong.json.errors, [{ path: 'expires_in', message: 'at most P30D from now' }]);

    assert.equal((await stack.request('DELETE', `/v1/api-keys/${minted.json.id}`)).status, 204);
    const refused = await own();
    assert.equal(refused.status, 401);
    assert.match(refused.json.detail, /was revoked at/);

    await stack.pool.query("UPDATE api_keys SET created_at = now() - interval '31 days', expires_at = now() - interval '1 second' WHERE id = $1", [longer.json.id]);
    const expired = await stack.request('GET', `/v1/subscriptions?customer_id=${customer.id}`, { key: longer.json.token });
    assert.equal(expired.status, 401);
    assert.match(expired.json.detail, /expired at/);
  });

  it('a revoked TOLLGATE_ADMIN_API_KEY stays revoked when the API starts again with it', async () => {
    const configured = generateApiKey();
    assert.equal(await ensureAdminKey(stack.pool, configured), 'valid');
    const id = `key_admin_${hashApiKey(configured).slice(0, 12)}`;
    assert.equal((await stack.request('DELETE', `/v1/api-keys/${id}`)).status, 204);
    // What src/api/main.ts does at every start.
    assert.equal(await ensureAdminKey(stack.pool, configured), 'revoked');
    const refused = await stack.request('GET', '/v1/api-keys', { key: configured });
    assert.equal(refused.status, 401);
    assert.match(refused.json.detail, /was revoked at/);
  });
});

describe('tollgate api-key (the CLI, against the test database)', () => {
  const env = () => ({ ...process.env, DATABASE_URL: testEnv.databaseUrl(), LOG_LEVEL: 'silent' });
  const scopesOf = async (stack: TestStack, key: string) =>
    (await stack.pool.query<{ scopes: string[] }>('SELECT scopes FROM api_keys WHERE key_hash = $1', [hashApiKey(key)])).rows[0]?.scopes;
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({}, { worker: false });
  });
  after(async () => {
    await stack?.close();
  });

  for (const form of [['--scopes=read'], ['--scopes', 'read']]) {
    it(`api-key create ${form.join(' ')} mints a read key, not an admin key`, { timeout: 60_000 }, async () => {
      const run = runCli(['api-key', 'create', ...form, '--name=cli test'], env());
      assert.equal(await run.exited, 0, run.stderr());
      const key = run.stdout().trim();
      assert.match(key, /^tg_/);
      assert.deepEqual(await scopesOf(stack, key), ['read']);
    });
  }

  for (const [args, said] of [
    [['api-key', 'create', '--scope=read'], /^\[tollgate\] api-key create: Unknown option '--scope'/],
    [['api-key', 'create', '--scopes=root'], /^\[tollgate\] --scopes takes a comma list of admin, billing, read, not "root"$/],
    [['api-key', 'create', '--scopes=customer'], /not "customer"/],
    [['api-key', 'create', 'extra'], /takes no argument "extra"/],
    [['api-key', 'create', '--scopes', 'read', '--scopes', 'admin'], /--scopes is given more than once/],
    [['api-key', 'create', '--scopes=read', '--expires-in=P99999999D'], /--expires-in: at most ten years from now/],
  ] as const) {
    it(`refuses ${args.slice(2).join(' ')} with one sentence and exit code 2, minting nothing`, { timeout: 60_000 }, async () => {
      const before = (await stack.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM api_keys')).rows[0]?.n;
      const run = runCli([...args], env());
      assert.equal(await run.exited, 2, `${run.stdout()}${run.stderr()}`);
      const lines = run.stderr().trim().split('\n');
      assert.equal(lines.length, 1, run.stderr());
      assert.match(lines[0] ?? '', said);
      assert.equal(run.stdout(), '');
      assert.equal((await stack.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM api_keys')).rows[0]?.n, before);
    });
  }

  it('api-key revoke ID revokes, and the key is refused by the API', { timeout: 60_000 }, async () => {
    const created = runCli(['api-key', 'create', '--scopes=read', '--expires-in=P1D'], env());
    assert.equal(await created.exited, 0, created.stderr());
    const key = created.stdout().trim();
    const row = (await stack.pool.query<{ id: string; expires_at: Date }>('SELECT id, expires_at FROM api_keys WHERE key_hash = $1', [hashApiKey(key)])).rows[0];
    assert.ok(row);
    assert.ok(Math.abs(row.expires_at.getTime() - Date.now() - 86_400_000) < 60_000, 'expires in a day');
    const revoked = runCli(['api-key', 'revoke', row.id], env());
    assert.equal(await revoked.exited, 0, revoked.stderr());
    assert.equal((await stack.request('GET', '/v1/customers?limit=1', { key })).status, 401);
  });
});
