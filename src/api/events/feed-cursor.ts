import { FEED_START, type FeedPosition } from '../../db/events.js';
import { ValidationError } from '../../domain/errors.js';

/**
 * The event feed's cursor: opaque to a reader, base64url of `<tx_id>:<id>` (the feed's order, see
 * listEventsAfter). It is not an event id on purpose: an id says nothing about where its
 * transaction sits, so no id can be turned into a position without skipping or repeating events.
 */
export function encodeFeedCursor(p: FeedPosition): string {
  return Buffer.from(`${p.txId}:${p.id}`, 'utf8').toString('base64url');
}

const MAX_XID8 = 2n ** 64n - 1n;
const MAX_BIGINT = 2n ** 63n - 1n;
const POSITION = /^(0|[1-9]\d{0,19}):([1-9]\d{0,18})$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

const refused = (message: string): ValidationError =>
  new ValidationError('after is not a cursor this API returned', { errors: [{ path: 'after', message }] });

/** An event id, as readers before the (tx_id, id) cursor passed it: `after=<last id>`. */
export const LEGACY_EVENT_ID = /^[1-9]\d{0,17}$/;

/**
 * The 400 a bare event id gets: the feed cannot go on from an id (no id says where its transaction
 * sits), so the reader must switch to next_cursor; `resume` is where it can go on once without
 * skipping anything (src/db/events.ts resumePositionAfterId), so switching costs no replay from 0.
 */
export function legacyIdRefused(id: string, resume: FeedPosition): ValidationError {
  return refused(
    `an event id is not a place in the feed (events are read in the order their transactions wrote them): pass next_cursor back unchanged. ` +
      `To go on from event ${id} without skipping any, pass after=${encodeFeedCursor(resume)} once (a few events up to ${id} may come again: de-duplicate by id), then follow next_cursor`,
  );
}

/**
 * `after` as the feed takes it: absent or `0` is the beginning, anything else must be a
 * next_cursor, unchanged. Strict: a string that only decodes to one (padding, stray bits,
 * leading zeros) is refused rather than read as a position nobody was given. A bare event id is
 * not decoded here: the caller answers it with legacyIdRefused.
 */
export function decodeFeedCursor(after: string | undefined): FeedPosition {
  if (after === undefined || after === '' || after === '0') return FEED_START;
  // A cursor's base64 starts with M, N or O (its first byte is a digit): all digits is an id.
  if (/^\d+$/.test(after)) {
    throw refused('an event id is not a place in the feed (events are read in the order their transactions wrote them): pass next_cursor back unchanged, or 0 to start from the beginning');
  }
  const text = BASE64URL.test(after) ? Buffer.from(after, 'base64url').toString('utf8') : '';
  const m = POSITION.exec(text);
  const txId = m?.[1];
  const id = m?.[2];
  if (txId === undefined || id === undefined || encodeFeedCursor({ txId, id: BigInt(id) }) !== after || BigInt(txId) > MAX_XID8 || BigInt(id) > MAX_BIGINT) {
    throw refused('pass next_cursor back unchanged');
  }
  return { txId, id: BigInt(id) };
}
