-- GET /v1/events pages by (tx_id, id) now, with or without ?type= (an id order skipped events for
-- good: see migration 0019 and src/db/events.ts listEventsAfter). The index 0021 made for the type
-- filter walks one type in id order, which that query no longer reads in; this one walks it in the
-- feed's order, so one type's next page is read from its cursor on instead of sorted whole. The
-- unfiltered feed uses events_tx_order_idx (0019).
CREATE INDEX events_type_tx_order_idx ON events (type, tx_id, id);
DROP INDEX events_type_idx;
