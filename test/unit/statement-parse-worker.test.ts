import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import ts from 'typescript';
import { type EncodedBatch, ParseTimeoutError, readOffLoop } from '../../src/api/bank-statements/parse-off-loop.js';
import { ROWS_PER_BATCH } from '../../src/api/bank-statements/parse-worker.js';
import { UnprocessableContentError } from '../../src/domain/errors.js';
import type { ParseOptions } from '../../src/statements/index.js';
import { projectRoot } from '../../src/cli/provision/paths.js';
import { StatementParseError } from '../../src/statements/index.js';

/** The whole off-loop read of a plain (not multipart) file: its batches and its summary. */
async function parseOffLoop(bytes: Buffer, opts: ParseOptions, budgetMs: number, maxLines = 200_000) {
  const read = readOffLoop(bytes, { contentType: 'application/octet-stream', maxLines, budgetMs });
  try {
    await read.head;
    const parsed = read.parse(opts);
    const batches: EncodedBatch[] = [];
    for await (const batch of parsed.batches()) batches.push(batch);
    return { batches, ...(await parsed.summary()), format: await parsed.format() };
  } finally {
    read.stop();
  }
}

/** The rows of a parse, decoded as the INSERT would read them. */
const rowsOf = (parsed: { batches: EncodedBatch[] }) => parsed.batches.flatMap((b) => JSON.parse(b.rows) as unknown[][]);

/** A camt.053 of `n` entries of 1.00 EUR; `broken` (0-based) has an amount that is not one (well-formed XML all the same). */
function camtEntries(n: number, broken = -1): Buffer {
  const entry = (i: number) =>
    `<Ntry><Amt Ccy="EUR">${i === broken ? 'one euro' : '1.00'}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><AcctSvcrRef>E${i}</AcctSvcrRef></Ntry>`;
  const entries = Array.from({ length: n }, (_, i) => entry(i)).join('\n');
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>M</MsgId></GrpHdr>` +
      `<Stmt><Id>S1</Id><Acct><Id><IBAN>PL61109010140000071219812874</IBAN></Id></Acct>${entries}</Stmt></BkToCstmrStmt></Document>`,
  );
}

/** An MT940 of `n` one-cent transactions: a small file that is many lines. */
function tinyTransactions(n: number): Buffer {
  const tx = Array.from({ length: n }, (_, i) => `:61:2001010101C0,01NTRFNONREF\n:86:T${i}`).join('\n');
  return Buffer.from(`:20:MANY\n:25:NL00TEST0123456789\n:28C:1\n:60F:C200101EUR0,00\n${tx}\n:62F:C200101EUR0,00\n-\n`);
}

const MT940 = [':20:X', ':25:NL00', ':28C:1', ':60F:C200101EUR0,00', ':61:2001010101C1,00NTRFNONREF', ':86:Invoice 1000000028 hello', ':62F:C200101EUR1,00', '-', ''].join('\n');

/**
 * The statement parser on its worker thread, from the TypeScript sources (tsx, as tests and
 * `npm run tollgate` run) and from compiled JavaScript (as `npm start` runs dist/).
 */
describe('statement parsing on a worker thread', () => {
  it('parses under tsx: lines, bigint amounts and the caller\'s RegExp patterns cross the thread', async () => {
    const parsed = await parseOffLoop(Buffer.from(MT940), { patterns: [/hel(l)o/gi] }, 30_000);
    assert.equal(parsed.lineCount, 1);
    const [row] = rowsOf(parsed);
    assert.equal(row?.[1], 1, 'line_no');
    assert.equal(row?.[7], '100', 'amount_minor, as the string of a bigint');
    assert.equal(row?.[12], '{"1000000028","l"}', 'references, as a text[] literal');
  });

  it('hashes and takes a multipart body apart on the worker, and hands back its text fields', async () => {
    const form = new FormData();
    form.append('file', new File([MT940], 'day.sta'));
    form.append('format', 'mt940');
    const res = new Response(form);
    const body = Buffer.from(await res.arrayBuffer());
    const read = readOffLoop(body, { contentType: res.headers.get('content-type') ?? '', maxLines: 10, budgetMs: 30_000, transfer: true });
    try {
      const head = await read.head;
      assert.equal(body.length, 0, 'the body was moved to the worker, not copied');
      assert.deepEqual(head.fields, { file_name: 'day.sta', format: 'mt940' });
      assert.equal(head.fileBytes, Buffer.byteLength(MT940));
      assert.equal(head.sha256, createHash('sha256').update(MT940).digest('hex'));
    } finally {
      read.stop();
    }
  });

  it('hands the lines over batch by batch, each its rows and their facts, and a summary of scalars (200,000 lines)', { timeout: 60_000 }, async () => {
    const n = 200_000;
    const parsed = await parseOffLoop(tinyTransactions(n), {}, 60_000);
    assert.deepEqual(Object.keys(parsed).sort(), ['accounts', 'batches', 'format', 'lineCount', 'statementIds']);
    assert.equal(parsed.lineCount, n);
    assert.equal(parsed.batches.length, Math.ceil(n / ROWS_PER_BATCH));
    let lineNo = 0;
    for (const batch of parsed.batches) {
      const rows = JSON.parse(batch.rows) as unknown[][];
      assert.ok(rows.length <= ROWS_PER_BATCH);
      for (const r of rows) assert.equal(r[1], ++lineNo, 'lines in file order, none lost or doubled');
      assert.deepEqual(
        batch.facts.map((f) => f.id),
        rows.map((r) => r[0]),
        'each batch carries the facts of the same lines, in the same order',
      );
    }
    assert.equal(lineNo, n, 'the last batch ends with the last line');
  });

  it('hands over the first batches of a camt file before it has read the rest: an entry malformed further on fails the parse after them', { timeout: 60_000 }, async () => {
    const entries = 3 * ROWS_PER_BATCH;
    const read = readOffLoop(camtEntries(entries, entries - 1), { contentType: '', maxLines: 200_000, budgetMs: 60_000 });
    try {
      await read.head;
      const parsed = read.parse({});
      assert.equal(await parsed.format(), 'camt.053');
      const seen: number[] = [];
      const err = await (async () => {
        for await (const batch of parsed.batches()) seen.push((JSON.parse(batch.rows) as unknown[]).length);
      })().then(() => undefined, (e: unknown) => e);
      assert.deepEqual(seen, [ROWS_PER_BATCH, ROWS_PER_BATCH], 'the two whole batches before the broken entry came');
      assert.ok(err instanceof StatementParseError, String(err));
      assert.match(err.where, new RegExp(`Ntry\\[${entries}\\]`));
      await assert.rejects(parsed.summary(), StatementParseError, 'the parse has no summary: it failed');
    } finally {
      read.stop();
    }
  });

  it('gives the same batches again to a second pass (a store retried from scratch)', async () => {
    const read = readOffLoop(camtEntries(ROWS_PER_BATCH + 5), { contentType: '', maxLines: 200_000, budgetMs: 60_000 });
    try {
      await read.head;
      const parsed = read.parse({});
      const pass = async () => {
        const rows: unknown[] = [];
        for await (const batch of parsed.batches()) rows.push(...(JSON.parse(batch.rows) as unknown[]));
        return rows;
      };
      const first = await pass();
      assert.equal(first.length, ROWS_PER_BATCH + 5);
      assert.deepEqual(await pass(), first);
      assert.equal((await parsed.summary()).lineCount, ROWS_PER_BATCH + 5);
    } finally {
      read.stop();
    }
  });

  it('refuses a file over the line cap on the worker with a 422 naming STATEMENT_MAX_LINES', async () => {
    const err = await parseOffLoop(tinyTransactions(11), {}, 30_000, 10).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof UnprocessableContentError, String(err));
    assert.match(err.message, /holds 11 lines; at most 10 are taken from one file \(STATEMENT_MAX_LINES\)/);
  });

  it('turns a failure of the worker that is not a parse error into a 422 for the file, not a bare Error', async () => {
    // A parse command the parser chokes on: an option of the wrong type makes it throw a TypeError.
    const err = await parseOffLoop(Buffer.from(MT940), { patterns: [42 as unknown as RegExp] }, 30_000).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof UnprocessableContentError, String(err));
    assert.match(err.message, /the statement file cannot be read \(the parser failed: TypeError/);
  });

  it('rejects with a StatementParseError naming reason and place, as the parser would', async () => {
    const err = await parseOffLoop(Buffer.from(':20:X\n:25:A\n:61:xx\n'), {}, 30_000).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof StatementParseError, String(err));
    assert.equal(err.where, 'line 3');
    assert.match(err.reason, /:61: is not a statement line|currency is unknown/);
  });

  it('stops the worker and rejects with ParseTimeoutError when the budget runs out', async () => {
    const err = await parseOffLoop(Buffer.from(MT940), {}, 1).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof ParseTimeoutError, String(err));
    assert.equal(err.budgetMs, 1);
  });

  const out = mkdtempSync(join(tmpdir(), 'tollgate-dist-'));
  after(() => rmSync(out, { recursive: true, force: true }));

  it('parses from compiled JavaScript without tsx, as dist/ runs', { timeout: 60_000 }, () => {
    // Every src file transpiled with the build's compiler options as ES modules, which the package's
    // "type": "module" makes them (no type check: typecheck does that).
    const root = projectRoot();
    const { options } = ts.parseJsonConfigFileContent(ts.readConfigFile(join(root, 'tsconfig.build.json'), (p) => ts.sys.readFile(p)).config, ts.sys, root);
    const src = join(root, 'src');
    for (const file of readdirSync(src, { recursive: true }).map(String).filter((f) => f.endsWith('.ts'))) {
      const js = ts.transpileModule(readFileSync(join(src, file), 'utf8'), { compilerOptions: { ...options, module: ts.ModuleKind.ES2022, sourceMap: false }, fileName: file }).outputText;
      const target = join(out, file.replace(/\.ts$/, '.js'));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, js);
    }
    writeFileSync(join(out, 'package.json'), '{"type":"module"}');
    symlinkSync(join(root, 'node_modules'), join(out, 'node_modules'));
    const script = `import { readOffLoop } from './${relative(out, join(out, 'api', 'bank-statements', 'parse-off-loop.js'))}';
      const read = readOffLoop(Buffer.from(${JSON.stringify(MT940)}), { contentType: '', maxLines: 10, budgetMs: 30000 });
      await read.head;
      const parsed = read.parse({});
      const batches = [];
      for await (const batch of parsed.batches()) batches.push(batch);
      const rows = JSON.parse(batches[0].rows);
      console.log(JSON.stringify({ lines: (await parsed.summary()).lineCount, references: rows[0][12], execArgv: process.execArgv }));
      read.stop();`;
    writeFileSync(join(out, 'check.mjs'), script);
    const run = spawnSync(process.execPath, [join(out, 'check.mjs')], { cwd: out, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { lines: 1, references: '{"1000000028"}', execArgv: [] });
  });
});
