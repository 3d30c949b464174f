/**
 * Issue 10 §2.5, statement fuzzing: every statement file in the fixtures (test/fixtures and
 * ../shared/fixtures, camt.053/054, MT940, MT942, CSV), damaged by fast-check (truncation, byte
 * flips, duplicated or lost tags and lines, huge numbers, wrong encodings and line ends), is
 * uploaded through the real API (POST /v1/bank-statements over HTTP) and the outcome is read back
 * from the ledger:
 *
 * - no crash: the answer is never a 5xx, and the parser itself never throws anything but a
 *   StatementParseError (the API would turn a crash into a 422 naming "the parser failed",
 *   which hides a bug, so the same bytes are parsed here too);
 * - no partial import: a 201 (or 200, the same bytes imported before) has its statement row with
 *   exactly the lines the parser reads from those bytes, amount by amount, in order; a 422 (a
 *   400 for an empty body) left no statement row with the file's hash, and the upload's journal
 *   row says rejected_malformed.
 *
 * On the reliability cluster (TOLLGATE_TEST_API_URLS, TOLLGATE_TEST_ADMIN_KEY; round-robin over
 * the APIs); without it, on a test stack of its own (test/support/stack.ts: the real API and
 * worker on npm test's dev server). Runs per file: TOLLGATE_FUZZ_RUNS (default 8); seed:
 * TOLLGATE_FUZZ_SEED (default 20261201; each file adds its index); TOLLGATE_FUZZ_SHRINK=1 shrinks a
 * failure to its smallest mutation (each step is an upload, so it is off by default);
 * TOLLGATE_FUZZ_FILES=<part of a name>,… fuzzes only those files (the seeds stay the same).
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import pg from 'pg';
import { projectRoot } from '../../src/cli/provision/paths.js';
import { loadConfig } from '../../src/config.js';
import type { CsvMapConfig } from '../../src/config-statements.js';
import { MAX_JSON_SAFE_MINOR } from '../../src/domain/money.js';
import { parseStatement, StatementParseError } from '../../src/statements/index.js';
import { testEnv } from '../support/env.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { mutate, mutationsArb, type Mutation } from '../support/statement-mutations.js';

const RUNS = Number(process.env.TOLLGATE_FUZZ_RUNS ?? 8);
const SEED = Number(process.env.TOLLGATE_FUZZ_SEED ?? 20261201);
const SHRINK = process.env.TOLLGATE_FUZZ_SHRINK === '1';
const settings = loadConfig({ ...process.env, TOLLGATE_ENV: 'development' }).statements;

interface Seed {
  name: string;
  bytes: Buffer;
  /** CSV files are named `<csv map>.<anything>.csv`. */
  csvMap?: string;
}

/** Every statement file of both fixture folders, once per content (the shared ones are copies). */
function seeds(): Seed[] {
  const root = projectRoot();
  const folders = [join(root, 'test', 'fixtures', 'bank-statements'), join(root, '..', 'shared', 'fixtures', 'bank-statements')];
  const seen = new Set<string>();
  const out: Seed[] = [];
  for (const folder of folders.filter((f) => existsSync(f))) {
    for (const file of readdirSync(folder, { recursive: true }).map(String).sort()) {
      if (!/\.(xml|sta|csv)$/.test(file)) continue;
      const bytes = readFileSync(join(folder, file));
      const sha = createHash('sha256').update(bytes).digest('hex');
      if (seen.has(sha)) continue;
      seen.add(sha);
      const csvMap = file.endsWith('.csv') ? file.split('/').at(-1)!.split('.')[0] : undefined;
      out.push({ name: relative(root, join(folder, file)), bytes, ...(csvMap ? { csvMap } : {}) });
    }
  }
  return out;
}

/** What the upload must do with these bytes: the parser's reading, run here on the same bytes. */
type Expected = { kind: 'empty' } | { kind: 'refused'; why: string } | { kind: 'imported'; format: string; amounts: string[] };

function expectedOf(bytes: Buffer, csv: CsvMapConfig | undefined): Expected {
  if (bytes.length === 0) return { kind: 'empty' };
  try {
    const parsed = parseStatement(bytes, { ...(csv ? { format: 'csv' as const, csv } : {}), patterns: settings.patterns });
    if (parsed.lines.some((l) => l.amountMinor > MAX_JSON_SAFE_MINOR)) return { kind: 'refused', why: 'amount too large' };
    return { kind: 'imported', format: parsed.format, amounts: parsed.lines.map((l) => l.amountMinor.toString()) };
  } catch (err) {
    if (err instanceof StatementParseError) return { kind: 'refused', why: `${err.reason} (at ${err.where})` };
    // A crash, not a refusal: the file must be refused with the reason, not by accident.
    throw new Error(`the parser crashed instead of refusing the file: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
}

describe('statement fuzzing: damaged fixture files import whole or are refused whole, never a 5xx', () => {
  let stack: TestStack | undefined;
  let apis: string[] = [];
  let key = '';
  let db: pg.Pool;
  let uploads = 0;
  const tally = { imported: 0, again: 0, refused: 0 };

  before(async () => {
    const urls = process.env.TOLLGATE_TEST_API_URLS;
    if (urls) {
      apis = urls.split(',').map((u) => u.trim()).filter(Boolean);
      key = process.env.TOLLGATE_TEST_ADMIN_KEY ?? '';
      assert.ok(key, 'TOLLGATE_TEST_API_URLS is set but TOLLGATE_TEST_ADMIN_KEY is not');
    } else {
      stack = await startTestStack();
      apis = [stack.baseUrl];
      key = stack.adminKey;
    }
    db = new pg.Pool({ connectionString: testEnv.databaseUrl(), max: 2 });
  });

  after(async () => {
    console.log(`[fuzz] ${uploads} uploads: ${tally.imported} imported, ${tally.again} the same bytes again, ${tally.refused} refused`);
    await db?.end();
    await stack?.close();
  });

  async function upload(bytes: Buffer, csvMap: string | undefined, caseId: string): Promise<{ status: number; body: string }> {
    const base = apis[uploads++ % apis.length]!;
    const query = csvMap ? `?format=csv&csv_map=${csvMap}` : '';
    const res = await fetch(`${base}/v1/bank-statements${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/octet-stream', 'x-fuzz-case': caseId },
      body: bytes,
    });
    return { status: res.status, body: await res.text() };
  }

  async function journalOutcome(caseId: string): Promise<string | undefined> {
    const r = await db.query<{ outcome: string }>({
      text: `SELECT outcome FROM inbound_requests WHERE channel = 'statement' AND headers->>'x-fuzz-case' = $1::text`,
      values: [caseId],
    });
    assert.ok(r.rows.length <= 1, 'one journal row per upload');
    return r.rows[0]?.outcome;
  }

  async function storedAmounts(sha256: string): Promise<{ format: string; lineCount: number; amounts: string[]; lineNos: number[] } | undefined> {
    const s = await db.query<{ id: string; format: string; line_count: number }>({ text: 'SELECT id, format, line_count FROM bank_statements WHERE sha256 = $1::text', values: [sha256] });
    const row = s.rows[0];
    if (!row) return undefined;
    const lines = await db.query<{ line_no: number; amount_minor: string }>({
      text: 'SELECT line_no, amount_minor::text AS amount_minor FROM bank_lines WHERE statement_id = $1::text ORDER BY line_no',
      values: [row.id],
    });
    return { format: row.format, lineCount: row.line_count, amounts: lines.rows.map((l) => l.amount_minor), lineNos: lines.rows.map((l) => l.line_no) };
  }

  async function check(seed: Seed, mutations: Mutation[]): Promise<void> {
    const bytes = mutate(seed.bytes, mutations);
    const csv = seed.csvMap ? settings.csvMaps[seed.csvMap] : undefined;
    const expected = expectedOf(bytes, csv);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const earlier = await storedAmounts(sha256);
    const caseId = randomUUID();
    const { status, body } = await upload(bytes, seed.csvMap, caseId);
    assert.ok(status < 500, `a ${status} (server error): ${body.slice(0, 500)}`);
    const stored = await storedAmounts(sha256);
    const journal = await journalOutcome(caseId);

    if (expected.kind === 'imported') {
      assert.equal(status, earlier ? 200 : 201, `the parser reads ${expected.amounts.length} lines, so the upload imports them; got ${status}: ${body.slice(0, 300)}`);
      assert.ok(stored, 'the statement row is stored');
      assert.equal(stored.format, expected.format);
      assert.equal(stored.lineCount, expected.amounts.length, 'line_count is every line the file holds');
      assert.deepEqual(stored.amounts, expected.amounts, 'every parsed line is stored, amount by amount, in order');
      assert.deepEqual(stored.lineNos, expected.amounts.map((_, i) => i + 1), 'line numbers 1..n, none missing');
      assert.equal(journal, earlier ? 'duplicate' : 'imported');
      tally[earlier ? 'again' : 'imported'] += 1;
    } else {
      const refusal = expected.kind === 'empty' ? 400 : 422;
      assert.equal(status, refusal, `the file must be refused (${expected.kind === 'refused' ? expected.why : 'empty'}); got ${status}: ${body.slice(0, 300)}`);
      assert.match(body, /"type"/, 'a problem+json body');
      assert.equal(stored, undefined, 'a refused file stores no statement');
      assert.equal(journal, 'rejected_malformed');
      tally.refused += 1;
    }
  }

  const files = seeds();
  it('finds the fixture statements of every format', () => {
    const kinds = new Set(files.map((f) => f.name.split('.').at(-1)));
    assert.deepEqual([...kinds].sort(), ['csv', 'sta', 'xml']);
    assert.ok(files.length >= 30, `${files.length} fixture files`);
  });

  const only = process.env.TOLLGATE_FUZZ_FILES?.split(',').filter(Boolean);
  files.forEach((seed, i) => {
    if (only && !only.some((part) => seed.name.includes(part))) return;
    it(`${seed.name}: ${RUNS} damaged copies`, async () => {
      // The undamaged file first: it must import (or be refused, for the one malformed sample) whole too.
      await check(seed, []);
      await fc.assert(
        fc.asyncProperty(mutationsArb, (mutations) => check(seed, mutations)),
        { numRuns: RUNS, seed: SEED + i, endOnFailure: !SHRINK, verbose: 1 },
      );
    });
  });
});
