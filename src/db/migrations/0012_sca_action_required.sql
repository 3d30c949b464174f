-- Issue 11 §2, SCA: an off-session charge the issuer answers with "the cardholder must
-- authenticate" (Visa 1A, Mastercard 65; Stripe's authentication_required) moved no money. The
-- period is then paid only through a payment link of its own, where the customer authenticates.
ALTER TABLE charge_attempts DROP CONSTRAINT charge_attempts_outcome_check;
ALTER TABLE charge_attempts ADD CONSTRAINT charge_attempts_outcome_check
  CHECK (outcome IN ('success', 'soft_decline', 'hard_decline', 'technical_error', 'action_required', 'unknown'));
ALTER TABLE sandbox_ledger DROP CONSTRAINT sandbox_ledger_outcome_check;
ALTER TABLE sandbox_ledger ADD CONSTRAINT sandbox_ledger_outcome_check
  CHECK (outcome IN ('approved', 'soft_decline', 'hard_decline', 'action_required'));

-- The link a period that needs authentication is paid through: one per subscription period.
-- closed_at: the subscription gave up on it (expired unpaid); the pay page refuses it as expired.
ALTER TABLE payment_links ADD COLUMN subscription_id text REFERENCES subscriptions (id);
ALTER TABLE payment_links ADD COLUMN subscription_period integer;
ALTER TABLE payment_links ADD COLUMN closed_at timestamptz;
ALTER TABLE payment_links ADD CONSTRAINT payment_links_subscription_period_check
  CHECK ((subscription_id IS NULL) = (subscription_period IS NULL));
CREATE UNIQUE INDEX payment_links_subscription_period_idx ON payment_links (subscription_id, subscription_period)
  WHERE subscription_id IS NOT NULL;

-- A period paid by the customer through its link is an attempt that names that payment (no gateway
-- call of its own); a payment pays at most one attempt.
ALTER TABLE charge_attempts ADD COLUMN payment_id text UNIQUE REFERENCES payments (id);
-- A period is charged once, whichever way (off-session, the link): the ledger refuses a second success.
CREATE UNIQUE INDEX charge_attempts_one_success_per_period_idx ON charge_attempts (subscription_id, period)
  WHERE status = 'succeeded';
