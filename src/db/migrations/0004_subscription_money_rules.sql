-- Issue 8's money rules for subscriptions.
-- The sandbox's books record the mode (test or live account) each charge was booked in, so a test
-- can see from the gateway's side that a subscription kept its creation mode.
ALTER TABLE sandbox_ledger ADD COLUMN mode text NOT NULL DEFAULT 'test' CHECK (mode IN ('test', 'live'));

-- A subscription created from a first payment: that payment is its period 0, and it starts only
-- one subscription (a second would take the same money as its first period again).
ALTER TABLE subscriptions ADD COLUMN first_payment_id text REFERENCES payments (id);
CREATE UNIQUE INDEX subscriptions_first_payment_idx ON subscriptions (first_payment_id) WHERE first_payment_id IS NOT NULL;
