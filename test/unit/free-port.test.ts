import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freePort } from '../support/free-port.js';

describe('freePort', () => {
  it('never hands out the same port twice in one process, though the kernel may offer it again', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 200; i++) ports.push(await freePort());
    assert.equal(new Set(ports).size, ports.length);
  });
});
