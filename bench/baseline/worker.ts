import { fileURLToPath } from 'node:url';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { baselineActivities } from './activities.js';

/** A bare worker process for the baseline: `node --import tsx bench/baseline/worker.ts` (env TEMPORAL_ADDRESS, TASK_QUEUE). */
Runtime.install({ logger: new DefaultLogger('WARN') });
const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS ?? 'localhost:7233' });
const worker = await Worker.create({
  connection,
  taskQueue: process.env.TASK_QUEUE ?? 'baseline',
  workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
  activities: baselineActivities,
});
await worker.run();
await connection.close();
