import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { freePort } from '../support/free-port.js';

describe('freePort', () => {
  it('never hands out the same port twice in one process, and none from the range outgoing connections take theirs from', async () => {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    const ports: number[] = [];
    for (let i = 0; i < 200; i++) ports.push(await freePort());
    assert.equal(new Set(ports).size, ports.length);
    assert.ok(ports.every((p) => p >= 10_000 && p < low), `all below ${low}: ${ports.filter((p) => p >= low).join(', ')}`);
  });
});
