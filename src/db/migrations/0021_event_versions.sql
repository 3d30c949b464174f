-- Every event carries its aggregate's version: 1, 2, 3… per (aggregate_type, aggregate_id), so a
-- receiver that gets one aggregate's events out of order (webhooks are retried independently)
-- knows which is newer, and that it missed one.
ALTER TABLE events ADD COLUMN aggregate_version integer;

-- The past, numbered in id order: the best order it has (its writers mostly held the aggregate's
-- row lock, so id order was their commit order).
UPDATE events e SET aggregate_version = v.n
  FROM (SELECT id, row_number() OVER (PARTITION BY aggregate_type, aggregate_id ORDER BY id) AS n FROM events) v
 WHERE e.id = v.id;

ALTER TABLE events ALTER COLUMN aggregate_version SET NOT NULL;
ALTER TABLE events ADD CONSTRAINT events_aggregate_version_key UNIQUE (aggregate_type, aggregate_id, aggregate_version);

-- The next version is assigned here rather than by each writer: appendEvent and the charge
-- outcome's one-statement, several-row insert (src/db/charge-outcome.ts) then number alike.
-- The transaction-scoped advisory lock on the aggregate serializes two transactions appending to
-- one aggregate (a payment's workflow and its refund's) until the first commits; max() is read
-- after the lock, by a statement of its own, whose fresh snapshot (READ COMMITTED: PostgreSQL docs
-- §43.11 / §13.2.1) sees the first one's row, and the rows earlier in the same statement (§39.4,
-- "Visibility of Data Changes").
--
-- Lock order, so the lock adds no deadlock: a transaction takes an aggregate's lock after the rows
-- it locks of that aggregate (a payment's row, then its events), except a subscription's, whose
-- lock is taken first, before its row: its state writes (writeState) and the charge outcome's one
-- statement (which inserts the events before it updates the row) both take it up front, through
-- tollgate_lock_aggregate, the one place its key is made.
CREATE FUNCTION tollgate_lock_aggregate(aggregate_type text, aggregate_id text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('tollgate.events:' || aggregate_type || ':' || aggregate_id, 0));
  RETURN true;
END $$;

CREATE FUNCTION tollgate_events_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM tollgate_lock_aggregate(NEW.aggregate_type, NEW.aggregate_id);
  SELECT COALESCE(max(aggregate_version), 0) + 1 INTO NEW.aggregate_version
    FROM events WHERE aggregate_type = NEW.aggregate_type AND aggregate_id = NEW.aggregate_id;
  RETURN NEW;
END $$;
CREATE TRIGGER events_version BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION tollgate_events_version();

-- GET /v1/events?type=… pages by id within the types asked for.
CREATE INDEX events_type_idx ON events (type, id);
