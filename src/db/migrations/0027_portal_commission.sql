-- The top-up portal (issue 13 §3). A payment through it charges the sum plus the gateway's
-- commission: amount_minor stays what the gateway charges (refunds and disputes are capped by it,
-- the checkout is for it), commission_minor is the commission inside it, and what the customer is
-- credited is amount_minor - commission_minor, computed where it is read (src/db/payments.ts), so
-- the three can never disagree. Every payment made before this has no commission: it credits its
-- whole amount.
--
-- Every statement here must be cheap on a large ledger, because a migration runs in one
-- transaction and holds its locks until the end: a column with a constant default is not a table
-- rewrite (a stored generated column would be), and each CHECK is added NOT VALID, so Postgres
-- does not scan the table under its lock. Nothing is lost by that: every existing payment has
-- commission 0 < amount, and every existing journal row satisfies the older, narrower checks that
-- the new ones widen. New and updated rows are checked as usual.
ALTER TABLE payments
  ADD COLUMN commission_minor bigint NOT NULL DEFAULT 0,
  ADD CONSTRAINT payments_commission_check CHECK (commission_minor >= 0 AND commission_minor < amount_minor) NOT VALID;

-- The portal journals every request (channel 'portal'): a lookup that found someone, one that did
-- not, one refused by the rate limit, a started payment. None of them is 'accepted', the relay's.
ALTER TABLE inbound_requests DROP CONSTRAINT inbound_requests_outcome_check;
ALTER TABLE inbound_requests ADD CONSTRAINT inbound_requests_outcome_check
  CHECK (outcome IN ('received', 'accepted', 'delivered', 'duplicate', 'late', 'imported', 'ignored',
                     'rejected_signature', 'rejected_malformed', 'rejected_schema',
                     'rejected_unknown_payment', 'rejected_unknown_gateway', 'rejected_too_large',
                     'rejected_source', 'rejected_busy',
                     'identified', 'not_identified', 'rejected_rate_limit', 'started')) NOT VALID;

-- A lookup that found someone names the customer (for operators; the payer never sees it).
ALTER TABLE inbound_requests DROP CONSTRAINT inbound_requests_target_kind_check;
ALTER TABLE inbound_requests ADD CONSTRAINT inbound_requests_target_kind_check
  CHECK (target_kind IN ('payment', 'refund', 'charge_attempt', 'customer')) NOT VALID;

-- The rate limits count one address block's recent lookups (or starts) in the journal (an IPv6
-- /64 is many addresses, so not by source_ip equality): this keeps that a scan of the window's rows.
-- Building it holds journal writes while it reads the journal (no CONCURRENTLY inside a
-- migration's transaction): README, "The parts", Postgres.
CREATE INDEX inbound_requests_portal_rate_idx ON inbound_requests (source, received_at)
  WHERE channel = 'portal';
