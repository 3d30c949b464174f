import { join } from 'node:path';
import { stopAllChildren } from './child-process.js';
import { oneSentence } from './failure-sentence.js';

const say = (line: string) => console.log(`[tollgate] ${line}`);

/**
 * The life of a `tollgate start` process (the dev stack and the cluster alike): Ctrl-C, SIGTERM, a
 * failure half-way or an unexpected error stops every child it started, last first, and a failure
 * says why in one sentence (the stack trace goes to <data dir>/start-failure.log).
 */
export function superviseStart(dataDir: string) {
  let shuttingDown = false;
  let started = false;
  const shutdown = async (reason: string, code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    if (started) say(`stopping (${reason})…`);
    await stopAllChildren((name, err) => say(`could not stop the ${name}: ${String(err)}`));
    if (started) say('stopped.');
    process.exit(code);
  };
  const fail = (err: unknown) => {
    console.error(`[tollgate] ${oneSentence(err, join(dataDir, 'start-failure.log'))}`);
    void shutdown('startup failed', 1);
  };
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  return {
    /** From the first server on, a stop is announced ("stopping…", "stopped."). */
    markStarted: () => {
      started = true;
    },
    shutdown,
    fail,
  };
}
