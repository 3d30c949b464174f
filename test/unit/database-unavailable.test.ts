import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDatabaseUnavailable } from '../../src/db/unavailable.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

/** Which failures are a database outage (503, retry) and which are not (a bug or bad input). */
describe('isDatabaseUnavailable', () => {
  it('names a stopped, restarting or unreachable server an outage', () => {
    for (const err of [
      withCode('connect ECONNREFUSED 127.0.0.1:5433', 'ECONNREFUSED'),
      withCode('read ECONNRESET', 'ECONNRESET'),
      withCode('terminating connection due to administrator command', '57P01'),
      withCode('the database system is starting up', '57P03'),
      withCode('connection failure', '08006'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
    ]) {
      assert.equal(isDatabaseUnavailable(err), true, err.message);
    }
  });

  it('leaves query faults, constraint violations and non-errors alone', () => {
    for (const err of [
      withCode('duplicate key value violates unique constraint', '23505'),
      withCode('syntax error at or near "SELEC"', '42601'),
      withCode('invalid byte sequence for encoding "UTF8"', '22021'),
      withCode('bind message has 70000 parameter formats but 0 parameters', '08P01'), // protocol_violation: the request's fault
      new Error('charge attempt vanished'),
      'ECONNREFUSED',
      undefined,
    ]) {
      assert.equal(isDatabaseUnavailable(err), false, String(err instanceof Error ? err.message : err));
    }
  });
});
