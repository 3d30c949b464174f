-- Issue 11 §3/§4: what a refund refunds, whether its workflow was started, and late successes.

-- The gateway transaction a refund gives money back from, fixed when the refund is created (a
-- late success's transaction is not the payment's gateway_transaction_id: the payment expired).
ALTER TABLE refunds ADD COLUMN original_transaction_id text;
-- When refund:<id> was started. The API starts it inside the creating transaction (set at insert);
-- a late success's refund is created inside the callback relay's transaction, which cannot start a
-- workflow, so a sweep starts every refund still null here (src/temporal/refund-starts.ts).
ALTER TABLE refunds ADD COLUMN workflow_started_at timestamptz;
-- The late-success refund of a payment that never succeeded: refundable only by the system.
ALTER TABLE refunds ADD COLUMN late_success_id text;
CREATE INDEX refunds_unstarted_idx ON refunds (created_at) WHERE workflow_started_at IS NULL;

-- The late_success policy the payment's gateway had when the payment started (copied like its
-- adapter and settlement, so a later configuration change never reaches it). Null on payments
-- created before the policy existed: their adapter's default applies (src/gateways/settings.ts).
ALTER TABLE payments ADD COLUMN late_success text CHECK (late_success IN ('refund', 'keep'));

-- Money a gateway captured for a payment after it had ended (expired, canceled, failed). The
-- payment stays as it ended; this row is what the payer paid, refunded automatically (`refunded`,
-- refund_id) or kept for the billing system to credit (`kept`). One per payment.
CREATE TABLE late_successes (
  id                      text PRIMARY KEY,
  payment_id              text NOT NULL UNIQUE REFERENCES payments (id),
  customer_id             text NOT NULL REFERENCES customers (id),
  gateway                 text NOT NULL,
  amount_minor            bigint NOT NULL CHECK (amount_minor > 0),
  currency                char(3) NOT NULL,
  gateway_transaction_id  text,
  payment_status          text NOT NULL,      -- what the payment had ended as
  action                  text NOT NULL CHECK (action IN ('refunded', 'kept')),
  refund_id               text REFERENCES refunds (id),
  created_at              timestamptz NOT NULL DEFAULT now(),
  CHECK ((action = 'refunded') = (refund_id IS NOT NULL))
);
CREATE INDEX late_successes_created_idx ON late_successes (created_at DESC, id DESC);
ALTER TABLE refunds ADD CONSTRAINT refunds_late_success_fk FOREIGN KEY (late_success_id) REFERENCES late_successes (id) DEFERRABLE INITIALLY DEFERRED;

-- The payer's account as the statement line gives it (camt DbtrAcct, MT940 ?31 / ~38 / /CNTP/, a
-- CSV column): where a person pays a bank transfer's refund back to. Null on lines from before.
ALTER TABLE bank_lines ADD COLUMN counterparty_account text;
