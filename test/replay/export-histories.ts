/**
 * Records the replay fixtures from a real run: with TOLLGATE_RECORD_HISTORIES=<dir>, `npm test`
 * (test/run.ts) calls exportHistories before it stops the dev server, and every closed workflow run
 * the tests left on it (completed, continued-as-new, failed, terminated, timed out) is a candidate.
 *
 *   TOLLGATE_RECORD_HISTORIES=test/histories/integration npm test -- integration/
 *
 * An integration run closes about a hundred workflow runs, most of them alike, so per workflow type it keeps
 * the runs that between them take every path the run took: greedily, the run that adds the most
 * commands not yet kept (an activity type, a signal, an update, a timer, a child, a patch by its id,
 * continue-as-new, the way the run ended), then runs that take a known path in a new order, up to
 * TOLLGATE_RECORD_HISTORIES_PER_TYPE (default 6) runs.
 * It writes `<type>-<n>.json` (proto3 JSON, as `temporal workflow show --output json` writes it)
 * and README.md listing what each file holds, with the commit it was recorded at.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection, WorkflowClient } from '@temporalio/client';
import { historyToJSON, type History } from '../support/history-json.js';

type HistoryEvent = NonNullable<History['events']>[number];

export interface Candidate {
  type: string;
  workflowId: string;
  runId: string;
  history: History;
  features: Set<string>;
}

/** The file-name stem of each workflow type (src/workflows/index.ts exports these). */
const STEMS: Record<string, string> = {
  paymentWorkflow: 'payment',
  refundWorkflow: 'refund',
  subscriptionWorkflow: 'subscription',
  temporaryPaymentWorkflow: 'temporary-payment',
  statementImportWorkflow: 'statement-import',
  disputeWorkflow: 'dispute',
  exchangeRatesWorkflow: 'exchange-rates',
};

/** What a run made the workflow code do, as names a reader recognises (the order is the history's). */
export function featuresOf(history: History): string[] {
  const out: string[] = [];
  for (const e of history.events ?? []) {
    const f = featureOf(e);
    if (f) out.push(f);
  }
  return out;
}

function featureOf(e: HistoryEvent): string | undefined {
  if (e.activityTaskScheduledEventAttributes) return `activity ${e.activityTaskScheduledEventAttributes.activityType?.name ?? '?'}`;
  if (e.workflowExecutionSignaledEventAttributes) return `signal ${e.workflowExecutionSignaledEventAttributes.signalName ?? '?'}`;
  if (e.workflowExecutionUpdateAcceptedEventAttributes) return `update ${e.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest?.input?.name ?? '?'}`;
  if (e.timerStartedEventAttributes) return 'timer';
  if (e.timerFiredEventAttributes) return 'timer fired';
  if (e.startChildWorkflowExecutionInitiatedEventAttributes) return `child ${e.startChildWorkflowExecutionInitiatedEventAttributes.workflowType?.name ?? '?'}`;
  if (e.markerRecordedEventAttributes) return markerOf(e.markerRecordedEventAttributes);
  if (e.upsertWorkflowSearchAttributesEventAttributes) return 'search attributes';
  if (e.workflowExecutionCompletedEventAttributes) return 'ends completed';
  if (e.workflowExecutionContinuedAsNewEventAttributes) return 'ends continued-as-new';
  if (e.workflowExecutionFailedEventAttributes) return 'ends failed';
  if (e.workflowExecutionTerminatedEventAttributes) return 'ends terminated';
  if (e.workflowExecutionTimedOutEventAttributes) return 'ends timed out';
  return undefined;
}

/** A `patched()` marker by its patch id (the SDK's own `__sdk_internal…` ids left out), any other by its name. */
function markerOf(m: NonNullable<HistoryEvent['markerRecordedEventAttributes']>): string | undefined {
  const data = m.details?.['patch-data']?.payloads?.[0]?.data;
  if (m.markerName !== 'core_patch' || !data) return `marker ${m.markerName ?? '?'}`;
  const { id } = JSON.parse(Buffer.from(data).toString('utf8')) as { id?: string };
  return id?.startsWith('__sdk_internal') ? undefined : `patch ${id ?? '?'}`;
}

/**
 * Greedy cover: the run adding most unseen features first (ties: the shorter history, then the id);
 * then, while there is room, runs whose sequence of features is one not kept yet, shortest first.
 */
export function pickCovering(candidates: Candidate[], max: number): Candidate[] {
  const seen = new Set<string>();
  const byLength = (a: Candidate, b: Candidate) => (a.history.events?.length ?? 0) - (b.history.events?.length ?? 0) || a.workflowId.localeCompare(b.workflowId);
  const left = [...candidates].sort(byLength);
  const kept: Candidate[] = [];
  while (kept.length < max && left.length) {
    const gain = (c: Candidate) => [...c.features].filter((f) => !seen.has(f)).length;
    const best = left.reduce((a, b) => (gain(b) > gain(a) ? b : a));
    if (gain(best) === 0) break;
    best.features.forEach((f) => seen.add(f));
    kept.push(best);
    left.splice(left.indexOf(best), 1);
  }
  const shape = (c: Candidate) => featuresOf(c.history).join(' > ');
  const shapes = new Set(kept.map(shape));
  for (const c of left) {
    if (kept.length >= max) break;
    if (shapes.has(shape(c))) continue;
    shapes.add(shape(c));
    kept.push(c);
  }
  return kept;
}

export async function exportHistories(opts: {
  address: string;
  namespace?: string;
  out: string;
  perType?: number;
  /** The `npm test` filters of the run, for the README. */
  filters: readonly string[];
  log: (line: string) => void;
}): Promise<void> {
  const perType = opts.perType ?? 6;
  const connection = await Connection.connect({ address: opts.address });
  try {
    const client = new WorkflowClient({ connection, namespace: opts.namespace ?? 'default' });
    const byType = new Map<string, Candidate[]>();
    for await (const info of client.list({ query: 'ExecutionStatus != "Running"' })) {
      if (!(info.type in STEMS)) continue;
      const history = await client.getHandle(info.workflowId, info.runId).fetchHistory();
      const candidate = { type: info.type, workflowId: info.workflowId, runId: info.runId, history, features: new Set(featuresOf(history)) };
      byType.set(info.type, [...(byType.get(info.type) ?? []), candidate]);
    }
    mkdirSync(opts.out, { recursive: true });
    for (const f of readdirSync(opts.out)) if (f.endsWith('.json')) rmSync(join(opts.out, f));
    const rows: string[] = [];
    for (const type of Object.keys(STEMS)) {
      const all = byType.get(type) ?? [];
      const kept = pickCovering(all, perType);
      opts.log(`${type}: ${all.length} closed runs, kept ${kept.length}`);
      kept.forEach((c, i) => {
        const file = `${STEMS[type]}-${i + 1}.json`;
        writeFileSync(join(opts.out, file), `${historyToJSON(c.history)}\n`);
        rows.push(`| \`${file}\` | \`${c.workflowId}\` | ${c.history.events?.length ?? 0} | ${summary(featuresOf(c.history))} |`);
      });
    }
    writeFileSync(join(opts.out, 'README.md'), readme(rows, opts.filters, opts.out));
  } finally {
    await connection.close();
  }
}

/** Consecutive repeats folded: "activity decideStatementLines ×2, timer, …". */
export function summary(features: string[]): string {
  const parts: string[] = [];
  for (const f of features) {
    const last = parts.at(-1);
    const m = last?.match(/^(.*?)(?: ×(\d+))?$/);
    if (m && m[1] === f) parts[parts.length - 1] = `${f} ×${Number(m[2] ?? 1) + 1}`;
    else parts.push(f);
  }
  return parts.join(', ');
}

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function readme(rows: string[], filters: readonly string[], out: string): string {
  return `# Histories recorded from the integration tests

Written by \`test/replay/export-histories.ts\` (do not edit by hand): the closed workflow runs an
integration run left on its dev server — real worker, real activities, real Postgres — chosen per
workflow type so that between them they take every command the run took (then other orders of
them, up to 6 per type). Recorded at commit
**${commit()}** (plus the working tree's changes, if any) with

\`\`\`sh
TOLLGATE_RECORD_HISTORIES=${out} npm test -- ${filters.join(' ')}
\`\`\`

Replayed with the other histories by \`test/workflow/replay.test.ts\`. Record again (into a new
folder, keeping this one while runs of this commit may be open) after a change to a workflow ships.

| file | workflow id | events | what the run did, in order |
| --- | --- | --- | --- |
${rows.join('\n')}
`;
}
