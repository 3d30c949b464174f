import { fileURLToPath } from 'node:url';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { STICKY_QUEUE_WAIT } from '../../src/worker/sticky-queue.js';
import { baselineActivities } from './activities.js';

/** A bare worker process for the baseline: `node --import tsx bench/baseline/worker.ts` (env TEMPORAL_ADDRESS, TASK_QUEUE). */
Runtime.install({ logger: new DefaultLogger('WARN') });
const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS ?? 'localhost:7233' });
const worker = await Worker.create({
  connection,
  taskQueue: process.env.TASK_QUEUE ?? 'baseline',
  workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
  activities: baselineActivities,
  // Not Tollgate-specific, so the baseline runs with Tollgate's production setting (see STICKY_QUEUE_WAIT).
  stickyQueueScheduleToStartTimeout: STICKY_QUEUE_WAIT,
});
await worker.run();
await connection.close();
