import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestStack, type TestStack } from '../support/stack.js';

/**
 * Uploads as an attacker would send them: a :86: crafted to make a backtracking regex spin, a camt
 * with a DOCTYPE, a file that takes longer than the parse budget, and more imports at once than
 * the API takes. Each is answered, journaled, and imports nothing it should not.
 */
const MT940 = (details: string, id: string) =>
  [`:20:${id}`, ':25:NL00TEST0123456789', ':28C:1', ':60F:C200101EUR0,00', ':61:2001010101C1,00NTRFNONREF', `:86:${details}`, ':62F:C200101EUR1,00', '-', ''].join('\n');

async function upload(stack: TestStack, body: string) {
  return stack.request('POST', '/v1/bank-statements', { raw: body, headers: { 'content-type': 'application/octet-stream' } });
}

async function lastJournal(stack: TestStack): Promise<{ outcome: string; detail: string }> {
  const res = await stack.pool.query<{ outcome: string; detail: string }>("SELECT outcome, outcome_detail AS detail FROM inbound_requests WHERE channel = 'statement' ORDER BY id DESC LIMIT 1");
  const row = res.rows[0];
  assert.ok(row);
  return row;
}

async function statementCount(stack: TestStack): Promise<number> {
  return (await stack.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM bank_statements')).rows[0]?.n ?? 0;
}

describe('statement uploads under attack (real API, worker, Postgres)', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ STATEMENT_MAX_CONCURRENT_IMPORTS: '1' });
  });
  after(async () => {
    await stack?.close();
  });

  it('imports a file whose :86: holds 200 KB of slashes inside /REMI/, and still answers /healthz', { timeout: 60_000 }, async () => {
    const res = await upload(stack, MT940(`/REMI/a${'/'.repeat(200 * 1024)}x`, `SLASHES-${Date.now()}`));
    assert.equal(res.status, 201, res.text.slice(0, 500));
    assert.equal(res.json.line_count, 1);
    assert.equal((await stack.request('GET', '/healthz', { key: null })).status, 200);
  });

  it('refuses a camt.053 with a <!DOCTYPE> with 422 naming it, journaled, nothing imported', async () => {
    const before = await statementCount(stack);
    const res = await upload(
      stack,
      '<?xml version="1.0"?>\n<!DOCTYPE Document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n' +
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>&b;</Id></Stmt></BkToCstmrStmt></Document>',
    );
    assert.equal(res.status, 422, res.text);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    assert.match(res.json.detail, /<!DOCTYPE> declaration is not allowed/);
    assert.deepEqual(res.json.errors, [{ path: 'line 2', message: 'a <!DOCTYPE> declaration is not allowed in a statement file (it can define entities)' }]);
    assert.equal(await statementCount(stack), before);
    assert.equal((await lastJournal(stack)).outcome, 'rejected_malformed');
  });

  it('answers 429 with Retry-After while STATEMENT_MAX_CONCURRENT_IMPORTS imports run, journaled, and takes the file once a slot is free', async () => {
    const held = stack.deps.statementImports.tryAcquire();
    assert.ok(held, 'the test holds the only slot, as a long import would');
    const file = MT940('PAYMENT 1', `BUSY-${Date.now()}`);
    const before = await statementCount(stack);
    try {
      const res = await upload(stack, file);
      assert.equal(res.status, 429, res.text);
      assert.equal(res.headers.get('retry-after'), '5');
      assert.equal(res.json.code, 'too_many_requests');
      assert.match(res.json.detail, /1 statement imports are already running; nothing was imported/);
      assert.equal(await statementCount(stack), before);
      assert.equal((await lastJournal(stack)).outcome, 'rejected_busy');
    } finally {
      held();
    }
    const again = await upload(stack, file);
    assert.equal(again.status, 201, again.text);
    assert.equal(stack.deps.statementImports.inUse, 0, 'every import gives its slot back');
  });
});

describe('statement parse time budget (real API, Postgres)', () => {
  let stack: TestStack;
  before(async () => {
    // 1 ms: no parse, not even a worker thread's start, fits, so the budget always runs out.
    stack = await startTestStack({ STATEMENT_PARSE_TIMEOUT_MS: '1' }, { worker: false });
  });
  after(async () => {
    await stack?.close();
  });

  it('stops a parse that outlasts STATEMENT_PARSE_TIMEOUT_MS and answers 422, journaled, nothing imported', async () => {
    const before = await statementCount(stack);
    const res = await upload(stack, MT940('PAYMENT 1', `SLOW-${Date.now()}`));
    assert.equal(res.status, 422, res.text);
    assert.match(res.json.detail, /took longer than 1 ms to read \(STATEMENT_PARSE_TIMEOUT_MS\), so reading it was stopped; nothing was imported/);
    assert.deepEqual(res.json.errors, [{ path: 'file', message: 'parse time budget of 1 ms exceeded' }]);
    assert.equal(await statementCount(stack), before);
    const journal = await lastJournal(stack);
    assert.equal(journal.outcome, 'rejected_malformed');
    assert.equal(stack.deps.statementImports.inUse, 0);
  });
});
