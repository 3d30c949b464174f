-- The outbox's cursor becomes (transaction id, event id). An id cursor with "tx_id < snapshot xmin"
-- can skip for good: a transaction that began earlier (smaller xid) may insert its event after a
-- younger one inserted a smaller id and stayed open; the older one's event is visible first, the
-- cursor moves past it, and the younger one's smaller id commits behind the cursor. Every
-- transaction below xmin is finished, so reading (tx_id, id) in order below xmin never meets a row
-- that can still appear behind it.
ALTER TABLE outbox_cursors ADD COLUMN last_tx_id xid8;
-- From where each sink had got to: the oldest transaction among the events after its id (read
-- again whole: fan-outs are idempotent), or past every event when it had none.
UPDATE outbox_cursors c
   SET last_tx_id = COALESCE(later.tx, (SELECT max(tx_id) FROM events), '0'::xid8),
       last_event_id = CASE WHEN later.tx IS NULL THEN c.last_event_id ELSE 0 END
  FROM (SELECT s.sink, (SELECT min(e.tx_id) FROM events e WHERE e.id > s.last_event_id) AS tx FROM outbox_cursors s) later
 WHERE later.sink = c.sink;
ALTER TABLE outbox_cursors ALTER COLUMN last_tx_id SET NOT NULL, ALTER COLUMN last_tx_id SET DEFAULT '0'::xid8;
CREATE INDEX events_tx_order_idx ON events (tx_id, id);
