/**
 * How long a workflow task waits on the sticky queue of the worker that holds the workflow in its
 * cache before the server moves it to the shared queue (https://docs.temporal.io/sticky-execution).
 * The SDK's 10 s is shorter than the queue a billing burst builds on a busy worker (every
 * subscription due on the 1st at once): past it, a task times out, costs the server a timeout and a
 * new task, and goes with its whole history to whichever worker takes it — more work exactly when
 * there is the least CPU, so the queue grows faster (observed mid-burst, 1,000 charges, one worker
 * on the dev server, shared machine: 34 sticky timeouts among 40 subscription workflows looked at,
 * where the baseline's burst, over in 9 s, could have none). A worker that is gone does not
 * hold tasks this long: the server sends new tasks to the shared queue once no poller has been seen
 * on the sticky queue for 10 s (temporalio/temporal#2811), and a worker shutting down says so; only
 * tasks already queued for a SIGKILLed worker wait up to this long. The bare-Temporal baseline of
 * bench:billing runs with the same setting (bench/baseline/worker.ts), hence this small module.
 */
export const STICKY_QUEUE_WAIT = '1 minute';
