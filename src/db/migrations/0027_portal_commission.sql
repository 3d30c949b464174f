-- The top-up portal (issue 13 §3). A payment through it charges the sum plus the gateway's
-- commission: amount_minor stays what the gateway charges (refunds and disputes are capped by it,
-- the checkout is for it), commission_minor is the commission inside it, and credited_minor — what
-- the customer is credited — follows from the two, so the three can never disagree. Every payment
-- made before this has no commission: it credits its whole amount.
ALTER TABLE payments
  ADD COLUMN commission_minor bigint NOT NULL DEFAULT 0,
  ADD COLUMN credited_minor bigint GENERATED ALWAYS AS (amount_minor - commission_minor) STORED,
  ADD CONSTRAINT payments_commission_check CHECK (commission_minor >= 0 AND commission_minor < amount_minor);

-- The portal journals every request (channel 'portal'): a lookup that found someone, one that did
-- not, one refused by the rate limit, a started payment. None of them is 'accepted', the relay's.
ALTER TABLE inbound_requests DROP CONSTRAINT inbound_requests_outcome_check;
ALTER TABLE inbound_requests ADD CONSTRAINT inbound_requests_outcome_check
  CHECK (outcome IN ('received', 'accepted', 'delivered', 'duplicate', 'late', 'imported', 'ignored',
                     'rejected_signature', 'rejected_malformed', 'rejected_schema',
                     'rejected_unknown_payment', 'rejected_unknown_gateway', 'rejected_too_large',
                     'rejected_source', 'rejected_busy',
                     'identified', 'not_identified', 'rejected_rate_limit', 'started'));

-- A lookup that found someone names the customer (for operators; the payer never sees it).
ALTER TABLE inbound_requests DROP CONSTRAINT inbound_requests_target_kind_check;
ALTER TABLE inbound_requests ADD CONSTRAINT inbound_requests_target_kind_check
  CHECK (target_kind IN ('payment', 'refund', 'charge_attempt', 'customer'));

-- The rate limits count one address block's recent lookups (or starts) in the journal (an IPv6
-- /64 is many addresses, so not by source_ip equality): this keeps that a scan of the window's rows.
CREATE INDEX inbound_requests_portal_rate_idx ON inbound_requests (source, received_at)
  WHERE channel = 'portal';
