/**
 * `npm run bench:upload`: does a statement upload hold up the API's event loop?
 * Starts its own Temporal dev server and Postgres, runs the real API in this process (createApp on
 * @hono/node-server, as `tollgate start` does), and uploads hostile-but-valid files — small in bytes,
 * huge in lines or form fields — through HTTP while another thread polls GET /healthz every 20 ms.
 * Prints, per upload, the worst /healthz latency seen while it ran, next to the worst with no upload
 * at all (the baseline, measured in the same run).
 *
 * The poller and each uploader run on worker threads of their own, so their work (sending 17 MB,
 * timing requests) is not charged to the API's event loop, which is the only thing on this thread.
 * No Temporal worker runs: the import workflows are started but not executed, so Postgres and the
 * CPU are not busy matching lines between uploads; an upload's answer therefore includes the
 * router's bounded wait (10 s) for the import to finish.
 * BENCH_UPLOAD_SCALE (1) multiplies every file's size; BENCH_BASELINE_MS (3000) is the baseline window.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { serve, type ServerType } from '@hono/node-server';
import { pino } from 'pino';
import { generateApiKey } from '../src/api/api-keys/api-keys.router.js';
import { ensureAdminKey } from '../src/api/bootstrap.js';
import { createApp } from '../src/api/create-app.js';
import { buildAppDeps } from '../src/api/deps.js';
import { loadConfig } from '../src/config.js';
import { createPool } from '../src/db/pool.js';
import { generateCamt053 } from './lib/generate-camt.js';
import { startBenchServers } from './lib/servers.js';
import { printTable } from './lib/table.js';

const SCALE = Number(process.env.BENCH_UPLOAD_SCALE ?? 1);
const BASELINE_MS = Number(process.env.BENCH_BASELINE_MS ?? 3000);
const POLL_MS = 20;
const say = (line: string) => console.log(`[bench] ${line}`);
const n = (count: number) => Math.round(count * SCALE);

interface HostileFile {
  name: string;
  body: Buffer;
  contentType: string;
  lines: number;
}

/** :61: lines of one cent with a two-character :86: — the most lines per byte MT940 allows. */
function tinyTransactions(count: number, tag: string): Buffer {
  const tx: string[] = [];
  for (let i = 0; i < count; i++) tx.push(`:61:2001010101C0,01NTRFNONREF\n:86:T${i}`);
  return Buffer.from(`:20:${tag}\n:25:NL00TEST0123456789\n:28C:1\n:60F:C200101EUR0,00\n${tx.join('\n')}\n:62F:C200101EUR0,00\n-\n`);
}

/** A message per transaction, each its own statement and account. */
function smallMessages(count: number, tag: string): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    parts.push(`:20:${tag}${i}\n:25:NL${String(i).padStart(16, '0')}\n:28C:1\n:60F:C200101EUR0,00\n:61:2001010101C0,01NTRFNONREF\n:86:P${i}\n:62F:C200101EUR0,01\n-`);
  }
  return Buffer.from(parts.join('\n') + '\n');
}

/** A multipart body whose file is one line, behind `fields` tiny text fields. */
async function manyFields(fields: number, tag: string): Promise<{ body: Buffer; contentType: string }> {
  const form = new FormData();
  for (let i = 0; i < fields; i++) form.append(`f${i}`, 'x');
  form.append('file', new File([tinyTransactions(1, tag)], 'one.sta'));
  const res = new Response(form);
  return { body: Buffer.from(await res.arrayBuffer()), contentType: res.headers.get('content-type') ?? '' };
}

function camt(count: number, tag: string): Buffer {
  const lines = Array.from({ length: count }, (_, i) => ({
    amountMinor: BigInt(1 + (i % 1000)),
    currency: 'EUR',
    reference: `${tag}-${i}`,
    bankReference: `B-${tag}-${i}`,
    bookingDate: '2026-11-27',
  }));
  return Buffer.from(generateCamt053(lines), 'utf8');
}

async function hostileFiles(maxLines: number): Promise<HostileFile[]> {
  const tag = randomUUID().slice(0, 8);
  const octets = 'application/octet-stream';
  const files: HostileFile[] = [
    { name: 'MT940, tiny transactions', body: tinyTransactions(n(50_000), `A${tag}`), contentType: octets, lines: n(50_000) },
    { name: 'MT940, tiny transactions', body: tinyTransactions(Math.min(n(200_000), maxLines), `B${tag}`), contentType: octets, lines: Math.min(n(200_000), maxLines) },
    { name: 'MT940, one small message each', body: smallMessages(n(100_000), `C${tag}`), contentType: octets, lines: n(100_000) },
    { name: 'camt.053, generated entries', body: camt(n(50_000), `D${tag}`), contentType: 'application/xml', lines: n(50_000) },
  ];
  const form = await manyFields(n(300_000), `E${tag}`);
  files.push({ name: `multipart, ${n(300_000).toLocaleString('en')} fields + a 1-line file`, ...form, lines: 1 });
  files.push({ name: 'MT940 over STATEMENT_MAX_LINES (422)', body: tinyTransactions(maxLines + n(50_000), `F${tag}`), contentType: octets, lines: maxLines + n(50_000) });
  return files;
}

// Runs on its own thread: GET /healthz every POLL_MS; on 'mark' answers the worst latency and count since the last mark.
const POLLER = `
const { parentPort, workerData } = require('node:worker_threads');
let seen = [], stopped = false;
parentPort.on('message', (m) => {
  if (m === 'stop') { stopped = true; return; }
  const sorted = seen.sort((a, b) => a - b);
  parentPort.postMessage({ worst: sorted.at(-1) ?? 0, p99: sorted[Math.floor(sorted.length * 0.99)] ?? 0, count: sorted.length });
  seen = [];
});
(async () => {
  while (!stopped) {
    const t0 = performance.now();
    try { const r = await fetch(workerData.url); await r.arrayBuffer(); } catch {}
    const ms = performance.now() - t0;
    seen.push(ms);
    await new Promise((r) => setTimeout(r, Math.max(0, ${POLL_MS} - ms)));
  }
  process.exit(0);
})();`;

// Runs on its own thread: one upload; answers its status and how long it took.
const UPLOADER = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
(async () => {
  const body = readFileSync(workerData.path);
  const t0 = performance.now();
  const res = await fetch(workerData.url, { method: 'POST', body, headers: { authorization: 'Bearer ' + workerData.key, 'content-type': workerData.contentType } });
  const text = await res.text();
  parentPort.postMessage({ status: res.status, ms: performance.now() - t0, detail: res.status >= 400 ? text.slice(0, 200) : '' });
})();`;

function ask<T>(worker: Worker, message?: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    worker.once('message', (value: T) => {
      worker.off('error', onError);
      resolve(value);
    });
    worker.once('error', onError);
    if (message !== undefined) worker.postMessage(message);
  });
}

interface Polls {
  worst: number;
  p99: number;
  count: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  say('starting a Temporal dev server and Postgres');
  const servers = await startBenchServers(say);
  const config = loadConfig({
    ...process.env,
    TEMPORAL_ADDRESS: servers.temporalAddress,
    DATABASE_URL: servers.databaseUrl,
    TEMPORAL_TASK_QUEUE: `bench-upload-${randomUUID()}`,
    STATEMENT_PARSE_TIMEOUT_MS: process.env.STATEMENT_PARSE_TIMEOUT_MS ?? '120000',
    LOG_LEVEL: 'silent',
  });
  const pool = createPool(servers.databaseUrl, 10);
  const deps = buildAppDeps(config, pool, pino({ level: 'silent' }));
  const app = createApp(deps);
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const key = generateApiKey();
  await ensureAdminKey(pool, key);
  const scratch = mkdtempSync(join(tmpdir(), 'tollgate-bench-upload-'));
  const poller = new Worker(POLLER, { eval: true, workerData: { url: `${base}/healthz` } });
  try {
    say(`generating files (scale ${SCALE}, STATEMENT_MAX_LINES ${config.STATEMENT_MAX_LINES})`);
    const files = await hostileFiles(config.STATEMENT_MAX_LINES);
    await sleep(500);
    await ask(poller, 'mark');
    await sleep(BASELINE_MS);
    const baseline = await ask<Polls>(poller, 'mark');
    say(`baseline: worst /healthz ${baseline.worst.toFixed(1)} ms (p99 ${baseline.p99.toFixed(1)}) over ${baseline.count} polls with no upload`);
    const rows: Array<Array<string | number>> = [['no upload (baseline)', '—', '—', '—', BASELINE_MS / 1000, baseline.worst, baseline.p99, baseline.count]];
    for (const [i, file] of files.entries()) {
      const path = join(scratch, `upload-${i}`);
      writeFileSync(path, file.body);
      await sleep(300);
      await ask(poller, 'mark');
      const uploader = new Worker(UPLOADER, { eval: true, workerData: { path, url: `${base}/v1/bank-statements`, key, contentType: file.contentType } });
      const res = await ask<{ status: number; ms: number; detail: string }>(uploader);
      await uploader.terminate();
      const seen = await ask<Polls>(poller, 'mark');
      const mb = file.body.length / 1048576;
      say(`${file.name}: ${mb.toFixed(1)} MB, ${file.lines} lines → ${res.status} in ${(res.ms / 1000).toFixed(1)} s; worst /healthz ${seen.worst.toFixed(1)} ms${res.detail ? ` (${res.detail})` : ''}`);
      rows.push([file.name, mb, file.lines, res.status, res.ms / 1000, seen.worst, seen.p99, seen.count]);
    }
    printTable(`Worst GET /healthz latency (polled every ${POLL_MS} ms from another thread) while each upload ran, API in this process`, [
      'upload',
      'MB',
      'lines',
      'status',
      'seconds',
      'worst /healthz ms',
      'p99 /healthz ms',
      'polls',
    ], rows);
    say(`peak RSS of this process (API + generated files): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  } finally {
    poller.postMessage('stop');
    await poller.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await deps.temporal.connection.close();
    await pool.end();
    await servers.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
