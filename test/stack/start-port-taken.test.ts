import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { testEnv } from '../support/env.js';
import { privateDir, processesMentioning, runCli, STACK_FRAME, startEnv } from '../support/cli-run.js';
import { freePort } from '../support/free-port.js';
import { stripeEntry, writeGatewaysFile } from '../support/gateways-file.js';

/**
 * `tollgate start` with one of its ports already taken by a stranger: one sentence naming the port
 * and the variable that moves it, exit 1, and nothing of ours left running. Every port is a free
 * one of this run's (never the real 7233…), so the tests do not disturb anyone else on the machine.
 */
const PORTS = [
  { variable: 'TOLLGATE_TEMPORAL_PORT', what: 'Temporal' },
  { variable: 'TOLLGATE_UI_PORT', what: 'Temporal UI' },
  { variable: 'TOLLGATE_POSTGRES_PORT', what: 'Postgres' },
  { variable: 'PORT', what: 'API' },
] as const;

async function occupy(port: number): Promise<Server> {
  const stranger = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => stranger.listen(port, '127.0.0.1', resolve));
  return stranger;
}

describe('tollgate start with a port already in use', () => {
  for (const { variable, what } of PORTS) {
    it(`stops with one sentence naming ${variable} when the ${what} port is taken, and leaves nothing behind`, { timeout: 120_000 }, async () => {
      const ports: Record<string, string> = {};
      for (const p of PORTS) ports[p.variable] = String(await freePort());
      const taken = Number(ports[variable]);
      const stranger = await occupy(taken);
      const dataDir = join(privateDir('tollgate-port-taken-'), '.data');
      try {
        const run = runCli(['start'], startEnv({ ...ports, TOLLGATE_DATA_DIR: dataDir, TEMPORAL_CLI: testEnv.temporalCli() }));
        const code = await run.exited;
        assert.equal(code, 1, `exit code; stdout:\n${run.stdout()}\nstderr:\n${run.stderr()}`);
        const said = run.stderr().trim();
        assert.doesNotMatch(said, STACK_FRAME, 'no stack trace');
        assert.equal(said.split('\n').length, 1, `one line on stderr, got:\n${said}`);
        assert.match(said, new RegExp(`\\b${taken}\\b`), 'names the port');
        assert.match(said, new RegExp(`\\b${variable}\\b`), 'names the variable that moves it');
        assert.doesNotMatch(run.stdout(), /starting/, 'nothing was started');
        assert.deepEqual(processesMentioning(dataDir), [], 'no process of this start survives');
      } finally {
        stranger.close();
      }
    });
  }

  for (const variable of ['TOLLGATE_MAILPIT_PORT', 'TOLLGATE_SMTP_PORT'] as const) {
    it(`stops with one sentence naming ${variable} when the Mailpit it would run (SMTP_URL unset) finds its port taken`, { timeout: 120_000 }, async () => {
      const ports: Record<string, string> = {};
      for (const p of [...PORTS.map((x) => x.variable), 'TOLLGATE_MAILPIT_PORT', 'TOLLGATE_SMTP_PORT']) ports[p] = String(await freePort());
      const taken = Number(ports[variable]);
      const stranger = await occupy(taken);
      const dataDir = join(privateDir('tollgate-port-taken-'), '.data');
      try {
        const run = runCli(['start'], startEnv({ ...ports, SMTP_URL: '', TOLLGATE_DATA_DIR: dataDir, TEMPORAL_CLI: testEnv.temporalCli() }));
        assert.equal(await run.exited, 1, `exit code; stdout:\n${run.stdout()}\nstderr:\n${run.stderr()}`);
        const said = run.stderr().trim();
        assert.doesNotMatch(said, STACK_FRAME, 'no stack trace');
        assert.equal(said.split('\n').length, 1, `one line on stderr, got:\n${said}`);
        assert.match(said, new RegExp(`\\b${taken}\\b.*Mailpit.*\\b${variable}\\b.*SMTP_URL=`));
        assert.doesNotMatch(run.stdout(), /starting/, 'nothing was started');
      } finally {
        stranger.close();
      }
    });
  }

  it('stops with one sentence naming the gateway whose api_base holds a taken stripe-mock port, before anything starts', { timeout: 120_000 }, async () => {
    const ports: Record<string, string> = {};
    for (const p of PORTS) ports[p.variable] = String(await freePort());
    const taken = await freePort();
    const stranger = await occupy(taken);
    const dataDir = join(privateDir('tollgate-port-taken-'), '.data');
    try {
      const gateways = writeGatewaysFile([stripeEntry({ name: 'card', api_base: `http://127.0.0.1:${taken}` })]);
      const run = runCli(['start'], startEnv({ ...ports, TOLLGATE_DATA_DIR: dataDir, TEMPORAL_CLI: testEnv.temporalCli(), TOLLGATE_GATEWAYS_FILE: gateways }));
      assert.equal(await run.exited, 1, `exit code; stdout:\n${run.stdout()}\nstderr:\n${run.stderr()}`);
      const said = run.stderr().trim();
      assert.equal(said.split('\n').length, 1, `one line on stderr, got:\n${said}`);
      assert.equal(said, `[tollgate] Port ${taken} (stripe-mock) is already in use: stop what holds it or set the port in gateway "card"'s api_base to a free port.`);
      assert.doesNotMatch(run.stdout(), /starting/, 'nothing was started');
      assert.deepEqual(processesMentioning(dataDir), [], 'no process of this start survives');
    } finally {
      stranger.close();
    }
  });
});
