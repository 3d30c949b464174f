/**
 * `npm run bench:statements`: importing and matching bank statements at volume.
 *   Table 1: a generated camt.053 of 50,000 lines against 50,000 open temporary payments —
 *            the upload (parse, decide every line, store it decided) and what the import
 *            workflow's decide activity still finds to do (nothing, for a file uploaded now), lines
 *            per second and peak memory; the upload next to a bare COPY of the same lines plus the
 *            bare lookups of their candidates by reference; and both together against the goal.
 *   Table 2: time to import (and decide) one line with 1,000 vs 50,000 open temporary payments.
 *   Table 3: end to end with real workflows — BENCH_E2E_N (2000) temporary-payment workflows, a file
 *            paying all of them uploaded, until every one is settled by the bank; next to bare
 *            Temporal signalling as many waiting workflows that each run one no-op activity.
 * The temporary payments are rows (their workflows are not started: their cost is a sleeping
 * workflow each, measured by bench:billing); the code measured is the production import and
 * matching code against a real Postgres and a real Temporal dev server.
 * BENCH_LINES (50000), BENCH_SMALL (1000) and BENCH_E2E_N (2000) change the sizes.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type pg from 'pg';
import { createStatementActivities } from '../src/activities/bank-statements.js';
import { ROWS_PER_BATCH } from '../src/api/bank-statements/parse-worker.js';
import { importStatementFile, journalStatementUpload } from '../src/api/bank-statements/import-file.js';
import { ImportSlots } from '../src/api/bank-statements/import-slots.js';
import { readOffLoop } from '../src/api/bank-statements/parse-off-loop.js';
import { type Config, loadConfig } from '../src/config.js';
import { createPool } from '../src/db/pool.js';
import { countOutcomes } from '../src/db/bank-statements.js';
import { bareCopy } from './lib/bare-copy.js';
import { generateCamt053 } from './lib/generate-camt.js';
import { startBenchServers } from './lib/servers.js';
import { sampleProcess } from './lib/proc.js';
import { inBatches, printTable } from './lib/table.js';
import { spawnWorker } from './lib/servers.js';
import { temporaryPaymentWorkflowId } from '../src/temporal/workflow-ids.js';
import type { temporaryPaymentWorkflow } from '../src/workflows/temporary-payment.js';
import { baselineWakeSignal, type baselineSignalWorkflow } from './baseline/workflows.js';

const LINES = Number(process.env.BENCH_LINES ?? 50_000);
const SMALL = Number(process.env.BENCH_SMALL ?? 1000);
const E2E_N = Number(process.env.BENCH_E2E_N ?? 2000);
const DECIDE_BATCH = 1000; // as src/workflows/statement-import.ts
const START_CONCURRENCY = 50;
const GOAL_LINES_PER_SECOND = 20_000;
const say = (line: string) => console.log(`[bench] ${line}`);
const BENCH_ORIGIN = { source: 'bench', method: 'POST', path: '/bench', headers: {}, sourceIp: undefined };

/** BillTech-style references ("20261127-000042"), which the default statements file's pattern finds in free text. */
const ref = (set: string, i: number) => `${set}-${String(i).padStart(6, '0')}`;

/** Open temporary payments as rows: a customer, its succeeded payments and their temporary payments. */
async function openTemporaryPayments(pool: pg.Pool, set: string, count: number): Promise<void> {
  const customer = `cus_bench_${randomUUID()}`;
  await pool.query({ text: `INSERT INTO customers (id, external_ref, name) VALUES ($1, $1, 'Bench')`, values: [customer] });
  await pool.query({
    text: `INSERT INTO payments (id, customer_id, amount_minor, currency, gateway, mode, reference, status, expires_at, adapter, settlement, payment_expiration_ms, completed_at)
           SELECT 'pay_' || $2 || '_' || i, $1, 1000 + i, 'PLN', 'sandbox_deferred', 'test', $2 || '-' || lpad(i::text, 6, '0'), 'succeeded', now(), 'sandbox', 'deferred', 432000000, now()
             FROM generate_series(0, $3 - 1) AS i`,
    values: [customer, set, count],
  });
  await pool.query({
    text: `INSERT INTO temporary_payments (id, payment_id, customer_id, amount_minor, currency, reference, expiration_ms, expires_at)
           SELECT 'tmp_' || $2 || '_' || i, 'pay_' || $2 || '_' || i, $1, 1000 + i, 'PLN', $2 || '-' || lpad(i::text, 6, '0'), 432000000, now() + interval '5 days'
             FROM generate_series(0, $3 - 1) AS i`,
    values: [customer, set, count],
  });
  await pool.query('ANALYZE temporary_payments');
}

function camtFor(set: string, from: number, count: number, extraUnknown = 0): Buffer {
  const lines = Array.from({ length: count + extraUnknown }, (_, k) => {
    const i = from + k;
    const known = k < count;
    return {
      amountMinor: BigInt(1000 + i),
      currency: 'PLN',
      reference: known ? ref(set, i) : ref('19990101', k),
      bankReference: `BANK-${set}-${k}-${randomUUID().slice(0, 8)}`,
      bookingDate: '2026-11-27',
    };
  });
  return Buffer.from(generateCamt053(lines), 'utf8');
}

/** The parse alone, off the loop as the upload runs it (the same worker thread, nothing stored): how much of the upload is parsing. */
async function parseOnly(config: Config, bytes: Buffer): Promise<number> {
  const t0 = performance.now();
  const reader = readOffLoop(bytes, { contentType: 'application/xml', maxLines: config.STATEMENT_MAX_LINES, budgetMs: config.STATEMENT_PARSE_TIMEOUT_MS });
  try {
    await reader.head;
    const parsed = reader.parse({ format: 'camt.053', patterns: config.statements.patterns });
    for await (const _batch of parsed.batches());
    await parsed.summary();
    return performance.now() - t0;
  } finally {
    reader.stop();
  }
}

/** Peak resident memory of this process while `fn` runs. */
async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; peakMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
  const t0 = performance.now();
  try {
    const value = await fn();
    return { value, ms: performance.now() - t0, peakMb: Math.max(peak, process.memoryUsage().rss) / 1048576 };
  } finally {
    clearInterval(timer);
  }
}

async function importAndDecide(deps: { pool: pg.Pool; temporal: Client; config: Config }, bytes: Buffer) {
  const upload = await withPeakRss(async () =>
    importStatementFile({ ...deps, statementImports: new ImportSlots(1) }, { bytes, params: { format: 'camt.053' }, journalId: await journalStatementUpload(deps.pool, BENCH_ORIGIN, bytes, false) }),
  );
  const activities = createStatementActivities({ pool: deps.pool, temporal: deps.temporal, taskQueue: deps.config.TEMPORAL_TASK_QUEUE });
  const decide = await withPeakRss(async () => {
    let n = 0;
    for (;;) {
      const r = await activities.decideStatementLines({ statementId: upload.value.statement.id, limit: DECIDE_BATCH });
      if (r.decided === 0) return n;
      n += r.decided;
    }
  });
  return { upload, decide, statementId: upload.value.statement.id };
}

/**
 * The least SQL any importer that decides its lines must run besides storing them: each batch's
 * candidates fetched by reference through the index (the references read before the clock
 * starts). No decisions, no locks, no events.
 */
async function bareLookups(pool: pg.Pool, statementId: string): Promise<number> {
  const lines = await pool.query<{ references_found: string[] }>({ text: 'SELECT references_found FROM bank_lines WHERE statement_id = $1 ORDER BY line_no', values: [statementId] });
  const t0 = performance.now();
  for (let from = 0; from < lines.rows.length; from += ROWS_PER_BATCH) {
    const refs = lines.rows.slice(from, from + ROWS_PER_BATCH).flatMap((l) => l.references_found);
    await pool.query({ text: 'SELECT id, amount_minor, currency, status FROM temporary_payments WHERE reference = ANY($1::text[])', values: [refs] });
  }
  return performance.now() - t0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 20 * 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(200);
  }
}

/** Table 3: temporary payments with their workflows, settled end to end by an uploaded file. */
async function endToEnd(deps: { pool: pg.Pool; temporal: Client; config: Config }, temporalPid: number, databaseUrl: string, temporalAddress: string) {
  const tq = `bench-e2e-${randomUUID()}`;
  const config = { ...deps.config, TEMPORAL_TASK_QUEUE: tq };
  const worker = spawnWorker('src/worker/main.ts', { DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress, TEMPORAL_TASK_QUEUE: tq, DATABASE_POOL_SIZE: '20' });
  const bworker = spawnWorker('bench/baseline/worker.ts', { TEMPORAL_ADDRESS: temporalAddress, TASK_QUEUE: `baseline-${tq}` });
  try {
    const set = '20261103';
    await openTemporaryPayments(deps.pool, set, E2E_N);
    await inBatches(Array.from({ length: E2E_N }, (_, i) => i), START_CONCURRENCY, async (i) => {
      const id = `tmp_${set}_${i}`;
      await deps.temporal.workflow.start<typeof temporaryPaymentWorkflow>('temporaryPaymentWorkflow', {
        taskQueue: tq,
        workflowId: temporaryPaymentWorkflowId(id),
        args: [{ temporaryPaymentId: id, expiresAt: new Date(Date.now() + 5 * 86_400_000).toISOString(), expirationMs: 5 * 86_400_000 }],
      });
    });
    const bytes = camtFor(set, 0, E2E_N);
    await sleep(5000); // let the worker take up the first workflow tasks before the clock starts
    const wSample = sampleProcess(worker.pid ?? 0);
    const sSample = sampleProcess(temporalPid);
    const t0 = performance.now();
    await importStatementFile({ ...deps, config, statementImports: new ImportSlots(1) }, { bytes, params: { format: 'camt.053' }, journalId: await journalStatementUpload(deps.pool, BENCH_ORIGIN, bytes, false) });
    await waitUntil('every temporary payment to settle', async () => {
      const r = await deps.pool.query<{ n: number }>({ text: "SELECT count(*)::int AS n FROM temporary_payments WHERE reference LIKE $1 AND status = 'settled'", values: [`${set}-%`] });
      return (r.rows[0]?.n ?? 0) >= E2E_N;
    });
    const tollgateMs = performance.now() - t0;
    const tw = wSample.stop();
    const ts = sSample.stop();

    const ids = Array.from({ length: E2E_N }, () => `baseline-signal:${randomUUID()}`);
    await inBatches(ids, START_CONCURRENCY, async (workflowId) => {
      await deps.temporal.workflow.start<typeof baselineSignalWorkflow>('baselineSignalWorkflow', { taskQueue: `baseline-${tq}`, workflowId });
    });
    await sleep(5000);
    const bSample = sampleProcess(bworker.pid ?? 0);
    const bsSample = sampleProcess(temporalPid);
    const b0 = performance.now();
    await inBatches(ids, 16, async (workflowId) => {
      await deps.temporal.workflow.getHandle(workflowId).signal(baselineWakeSignal);
    });
    // Polled like the Tollgate side (a count, not 2,000 long-polls on results, which would load the server).
    const query = `WorkflowType = 'baselineSignalWorkflow' AND TaskQueue = 'baseline-${tq}' AND ExecutionStatus = 'Completed'`;
    await waitUntil('every baseline workflow to complete', async () => (await deps.temporal.workflow.count(query)).count >= E2E_N);
    const baselineMs = performance.now() - b0;
    const bw = bSample.stop();
    const bs = bsSample.stop();
    return { tollgateMs, baselineMs, tw, ts, bw, bs };
  } finally {
    worker.kill('SIGTERM');
    bworker.kill('SIGTERM');
  }
}

async function main(): Promise<void> {
  say(`starting a Temporal dev server and Postgres; ${LINES} lines, small set ${SMALL}`);
  const servers = await startBenchServers(say);
  const connection = await Connection.connect({ address: servers.temporalAddress });
  const temporal = new Client({ connection });
  const config = loadConfig({ ...process.env, TEMPORAL_ADDRESS: servers.temporalAddress, DATABASE_URL: servers.databaseUrl, TEMPORAL_TASK_QUEUE: `bench-${randomUUID()}` });
  const pool = createPool(servers.databaseUrl, 4);
  const deps = { pool, temporal, config };
  try {
    // Small: SMALL open, a file of SMALL lines paying them.
    await openTemporaryPayments(pool, '20261101', SMALL);
    const small = await importAndDecide(deps, camtFor('20261101', 0, SMALL));
    say(`small: ${JSON.stringify(await countOutcomes(pool, small.statementId))}`);

    // Large: LINES more open (SMALL + LINES in all); first a file of SMALL lines, then the big one.
    await openTemporaryPayments(pool, '20261102', LINES);
    const sameSizeAtLarge = await importAndDecide(deps, camtFor('20261102', 0, SMALL));
    const bigBytes = camtFor('20261102', SMALL, LINES - SMALL, SMALL);
    say(`generated camt.053: ${(bigBytes.length / 1048576).toFixed(1)} MB, ${LINES} lines (${SMALL} with unknown references)`);
    const parseMs = await parseOnly(config, bigBytes);
    const big = await importAndDecide(deps, bigBytes);
    const outcomes = await countOutcomes(pool, big.statementId);
    say(`large: ${JSON.stringify(outcomes)}`);
    const lookupMs = await bareLookups(pool, big.statementId);
    const copy = await bareCopy(pool, big.statementId);
    if (copy.lines !== LINES) throw new Error(`the bare COPY stored ${copy.lines} lines, not ${LINES}`);
    const both = big.upload.ms + big.decide.ms;
    const bare = copy.ms + lookupMs;
    say(`the import workflow's decide activity found ${big.decide.value} lines undecided (the upload decides them)`);

    const perSec = (n: number, ms: number) => (n / ms) * 1000;
    printTable(`Table 1 — ${LINES.toLocaleString('en')} camt.053 lines against ${(LINES + SMALL).toLocaleString('en')} open temporary payments`, ['step', 'seconds', 'lines/s', 'peak RSS MB'], [
      ['upload: parse, decide and store (importStatementFile)', big.upload.ms / 1000, perSec(LINES, big.upload.ms), big.upload.peakMb],
      ['  of which parsing (the same parse worker, nothing stored)', parseMs / 1000, perSec(LINES, parseMs), Number.NaN],
      ['baseline: bare COPY of the same lines into a copy of bank_lines', copy.ms / 1000, perSec(LINES, copy.ms), Number.NaN],
      ['baseline: bare lookups of their candidates by reference', lookupMs / 1000, perSec(LINES, lookupMs), Number.NaN],
      ['ratio upload / (bare COPY + lookups) (lines/s)', Number.NaN, bare / big.upload.ms, Number.NaN],
      ["decide left to the import workflow (decideStatementLines)", big.decide.ms / 1000, Number.NaN, big.decide.peakMb],
      [`upload + decide (goal ≥ ${GOAL_LINES_PER_SECOND.toLocaleString('en')} lines/s)`, both / 1000, perSec(LINES, both), Math.max(big.upload.peakMb, big.decide.peakMb)],
    ]);
    say(`upload + decide: ${perSec(LINES, both).toFixed(0)} lines/s (goal ≥ ${GOAL_LINES_PER_SECOND}) — ${perSec(LINES, both) >= GOAL_LINES_PER_SECOND ? 'met' : 'missed'}; peak RSS ${Math.max(big.upload.peakMb, big.decide.peakMb).toFixed(0)} MB`);
    printTable('Table 2 — importing one line (deciding it included), by how many temporary payments are open', ['open temporary payments', 'file lines', 'µs per line (upload + decide)'], [
      [SMALL, SMALL, ((small.upload.ms + small.decide.ms) * 1000) / SMALL],
      [SMALL + LINES, SMALL, ((sameSizeAtLarge.upload.ms + sameSizeAtLarge.decide.ms) * 1000) / SMALL],
      [SMALL + LINES, LINES, (both * 1000) / LINES],
    ]);
    say(`end to end: ${E2E_N} temporary-payment workflows, one file paying all of them`);
    const e = await endToEnd(deps, servers.temporalPid, servers.databaseUrl, servers.temporalAddress);
    const row = (ms: number, w: { cpu: number; peakRssMb: number }, sv: { cpu: number; peakRssMb: number }) => [ms / 1000, perSec(E2E_N, ms), w.cpu, w.peakRssMb, sv.cpu];
    const t = row(e.tollgateMs, e.tw, e.ts);
    const b = row(e.baselineMs, e.bw, e.bs);
    printTable(`Table 3 — end to end: ${E2E_N.toLocaleString('en')} temporary-payment workflows settled by one uploaded file`, ['', 'seconds', 'settled/s', 'worker CPU s', 'worker peak MB', 'server CPU s'], [
      ['Tollgate: upload → import workflow → signals → settle activities', ...t],
      ['bare Temporal: signal waiting workflows → one no-op activity each', ...b],
      ['ratio', ...t.map((v, i) => v / (b[i] ?? Number.NaN))],
    ]);
  } finally {
    await pool.end();
    await connection.close();
    await servers.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
