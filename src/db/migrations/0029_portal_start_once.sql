-- The top-up portal starts a payment once per sealed confirm page and gateway: a double-click on
-- "Pay", a reload of the start, or browser Back and the same form sent again must not make a
-- second payment (src/api/portal/portal.routes.ts). The confirm page's sealed state carries a
-- random nonce; the start key is derived from it and the chosen gateway, and this row is written
-- in the payment's own transaction BEFORE the payment and its workflow: a concurrent repeat waits
-- on the primary key until the first commits, then inserts nothing and answers the first's
-- payment; if the first rolls back (Temporal refused), the repeat is the one that starts it. API
-- processes share this table, so the guarantee holds across all of them.
-- A new, empty table: nothing on the ledger is scanned or locked for long by this migration.
CREATE TABLE portal_starts (
  -- sha256 hex of (nonce, gateway), never the nonce itself.
  start_key    text PRIMARY KEY CHECK (start_key ~ '^[0-9a-f]{64}$'),
  -- Deferred: the row is written first, the payment follows in the same transaction.
  payment_id   text NOT NULL UNIQUE REFERENCES payments (id) DEFERRABLE INITIALLY DEFERRED,
  customer_id  text NOT NULL REFERENCES customers (id),
  gateway      text NOT NULL,
  -- The journaled start (inbound_requests, channel 'portal', source 'start') that made it.
  journal_id   bigint NOT NULL REFERENCES inbound_requests (id),
  created_at   timestamptz NOT NULL DEFAULT now()
);
