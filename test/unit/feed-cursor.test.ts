import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeFeedCursor, encodeFeedCursor } from '../../src/api/events/feed-cursor.js';
import { FEED_START } from '../../src/db/events.js';
import { ValidationError } from '../../src/domain/errors.js';

/** The path and message of the 400 a refused `after` answers. */
function refusal(after: string): { path: unknown; message: string } {
  try {
    decodeFeedCursor(after);
  } catch (err) {
    assert.ok(err instanceof ValidationError, String(err));
    const first = (err.details?.errors as Array<{ path: unknown; message: string }>)[0];
    assert.ok(first);
    return first;
  }
  assert.fail(`${after} was accepted`);
}

describe('event feed cursor', () => {
  it('reads back every position it writes, xids beyond 2^53 exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }), (tx, id) => {
        const p = { txId: tx.toString(), id };
        assert.deepEqual(decodeFeedCursor(encodeFeedCursor(p)), p);
      }),
    );
  });

  it('starts from the beginning with no after, an empty one or 0', () => {
    for (const a of [undefined, '', '0']) assert.deepEqual(decodeFeedCursor(a), FEED_START);
  });

  it('refuses a bare event id, telling to pass next_cursor', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 30n }), (n) => {
        const r = refusal(n.toString());
        assert.equal(r.path, 'after');
        assert.match(r.message, /an event id is not a place in the feed.*pass next_cursor back unchanged/);
      }),
    );
    assert.equal(refusal('007').path, 'after');
  });

  it('refuses anything it did not write, even what decodes to a position', () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    const bad = ['bm9wZQ', 'x', '-1', b64('12'), b64('01:2'), b64('1:02'), b64('1:0'), b64('1:-2'), b64('1:2 '), b64('1:2:3'), `${b64('1:2')}=`,
      `${b64('1:2')}.`, Buffer.from('12:3').toString('base64'), b64('18446744073709551616:1'), b64('1:9223372036854775808'), b64('١:٢')];
    for (const a of bad) {
      const r = refusal(a);
      assert.equal(r.path, 'after', a);
      assert.equal(r.message, 'pass next_cursor back unchanged', a);
    }
    // Stray low bits in the last character decode to the same bytes: still not what it wrote.
    const good = encodeFeedCursor({ txId: '7', id: 8n }); // "Nzo4", 4 characters, no stray bits
    assert.equal(good, 'Nzo4');
    const odd = encodeFeedCursor({ txId: '7', id: 10n }); // 4 bytes → 6 characters, the last carrying 4 stray bits
    const last = odd.at(-1) ?? '';
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = odd.slice(0, -1) + alphabet[alphabet.indexOf(last) + 1];
    assert.equal(Buffer.from(twin, 'base64url').toString(), '7:10');
    assert.equal(refusal(twin).message, 'pass next_cursor back unchanged');
  });
});
