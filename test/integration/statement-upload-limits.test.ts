import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
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

async function lastJournal(stack: TestStack): Promise<{ outcome: string; detail: string; body: string; body_truncated: boolean }> {
  const res = await stack.pool.query<{ outcome: string; detail: string; body: string; body_truncated: boolean }>(
    "SELECT outcome, outcome_detail AS detail, body, body_truncated FROM inbound_requests WHERE channel = 'statement' ORDER BY id DESC LIMIT 1",
  );
  const row = res.rows[0];
  assert.ok(row);
  return row;
}

async function statementCount(stack: TestStack): Promise<number> {
  return (await stack.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM bank_statements')).rows[0]?.n ?? 0;
}

/**
 * Starts an upload over node:http declaring `declaredBytes`, writes only `firstChunk`, and resolves
 * with the answer if one comes while the rest of the body is still unsent (the request is then
 * dropped); rejects if none comes within `waitMs`.
 */
function answerBeforeBody(stack: TestStack, declaredBytes: number, firstChunk: Buffer, waitMs = 5000): Promise<{ status: number; headers: Record<string, unknown>; json: any }> {
  return new Promise((resolve, reject) => {
    const url = new URL('/v1/bank-statements', stack.baseUrl);
    const req = httpRequest(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.adminKey}`, 'content-type': 'application/octet-stream', 'content-length': String(declaredBytes) },
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer within ${waitMs} ms while the body was still unsent`));
    }, waitMs);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        req.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      });
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.write(firstChunk);
  });
}

describe('statement uploads under attack (real API, worker, Postgres)', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ STATEMENT_MAX_CONCURRENT_IMPORTS: '1', STATEMENT_MAX_LINES: '50' });
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

  it('refuses XML nested deeper than the parser reads with 422 naming it, journaled (not a 500 left "received")', async () => {
    const before = await statementCount(stack);
    const deep = '<X>'.repeat(120) + '</X>'.repeat(120);
    const res = await upload(
      stack,
      `<?xml version="1.0"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>${deep}<Stmt><Id>DEEP-${Date.now()}</Id></Stmt></BkToCstmrStmt></Document>`,
    );
    assert.equal(res.status, 422, res.text);
    assert.match(res.json.detail, /the XML cannot be read: Maximum nested tags exceeded \(elements nest deeper than 100 levels\)/);
    assert.equal(await statementCount(stack), before);
    const journal = await lastJournal(stack);
    assert.equal(journal.outcome, 'rejected_malformed');
    assert.equal(stack.deps.statementImports.inUse, 0);
  });

  it('refuses a file of more than STATEMENT_MAX_LINES lines with 422 naming the cap, journaled, nothing imported', async () => {
    const before = await statementCount(stack);
    const tx = Array.from({ length: 51 }, (_, i) => `:61:2001010101C0,01NTRFNONREF\n:86:T${i}`).join('\n');
    const res = await upload(stack, `:20:MANY-${Date.now()}\n:25:NL00TEST0123456789\n:28C:1\n:60F:C200101EUR0,00\n${tx}\n:62F:C200101EUR0,51\n-\n`);
    assert.equal(res.status, 422, res.text);
    assert.match(res.json.detail, /holds 51 lines; at most 50 are taken from one file \(STATEMENT_MAX_LINES\)/);
    assert.deepEqual(res.json.errors, [{ path: 'file', message: 'more than 50 lines' }]);
    assert.equal(await statementCount(stack), before);
    assert.equal((await lastJournal(stack)).outcome, 'rejected_malformed');
  });

  it('answers 429 before reading the body when no import slot is free: a 50 MB upload is refused after its first chunk', async () => {
    const held = stack.deps.statementImports.tryAcquire();
    assert.ok(held, 'the test holds the only slot, as a long import would');
    try {
      const res = await answerBeforeBody(stack, 50 * 1024 * 1024, Buffer.from(MT940('PAYMENT 1', `EARLY-${Date.now()}`)));
      assert.equal(res.status, 429);
      assert.equal(res.headers['retry-after'], '5');
      assert.match(res.json.detail, /1 statement imports are already running/);
      const journal = await lastJournal(stack);
      assert.equal(journal.outcome, 'rejected_busy');
      assert.deepEqual([journal.body, journal.body_truncated], ['', true], 'journaled with its headers only: the body was never read');
    } finally {
      held();
    }
  });

  it('answers 413 from the Content-Length alone when it declares more than STATEMENT_MAX_BYTES, journaled', async () => {
    const res = await answerBeforeBody(stack, stack.config.STATEMENT_MAX_BYTES + 1, Buffer.from(':20:X\n'));
    assert.equal(res.status, 413);
    const journal = await lastJournal(stack);
    assert.equal(journal.outcome, 'rejected_too_large');
    assert.equal(journal.body, '');
    assert.equal(stack.deps.statementImports.inUse, 0);
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
