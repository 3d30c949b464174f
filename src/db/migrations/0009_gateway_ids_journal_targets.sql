-- Issue 11: hosted checkouts (Stripe Checkout) create a session before the payer is redirected, and
-- refunds and disputes need the gateway's own ids for the money they act on. The checkout URL is
-- kept so a payer coming back to a pending payment continues the same session.
ALTER TABLE payments ADD COLUMN checkout_url text;
ALTER TABLE payments ADD COLUMN gateway_session_id text;
ALTER TABLE payments ADD COLUMN gateway_intent_id text;
ALTER TABLE payments ADD COLUMN gateway_charge_id text;
CREATE INDEX payments_gateway_intent_idx ON payments (gateway, gateway_intent_id) WHERE gateway_intent_id IS NOT NULL;
ALTER TABLE charge_attempts ADD COLUMN gateway_intent_id text;
ALTER TABLE charge_attempts ADD COLUMN gateway_charge_id text;

-- A callback is for one Tollgate row of a kind (payment, refund, charge_attempt); payment_id stays
-- for payment callbacks (and every row journaled before kinds existed, whose target_kind is null).
ALTER TABLE inbound_requests ADD COLUMN target_kind text CHECK (target_kind IN ('payment', 'refund', 'charge_attempt'));
ALTER TABLE inbound_requests ADD COLUMN target_id text;

-- A refund of money a payment or a subscription's charge attempt captured (its own workflow,
-- refund:<id>). The sum of a target's refunds that are not failed never exceeds what it captured:
-- creating one locks the target's row, so two racing refunds are ordered (src/db/refunds.ts).
CREATE TABLE refunds (
  id                  text PRIMARY KEY,
  payment_id          text REFERENCES payments (id),
  charge_attempt_id   bigint REFERENCES charge_attempts (id),
  customer_id         text NOT NULL REFERENCES customers (id),
  gateway             text NOT NULL,
  mode                text NOT NULL CHECK (mode IN ('test', 'live')),
  amount_minor        bigint NOT NULL CHECK (amount_minor > 0),
  currency            char(3) NOT NULL,
  reason              text NOT NULL,
  status              text NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'succeeded', 'failed', 'requires_manual')),
  idempotency_key     text NOT NULL UNIQUE,     -- sent to the gateway: refund:<id>
  gateway_refund_id   text,
  gateway_code        text,
  gateway_message     text,
  -- requires_manual: what a person must pay back, and to whom (the payer's account when known)
  manual_instructions jsonb,
  requested_by        text NOT NULL,            -- an API key id, or 'system' (late-success policy)
  confirmed_by        text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  completed_at        timestamptz,
  CHECK ((payment_id IS NULL) <> (charge_attempt_id IS NULL))
);
CREATE INDEX refunds_payment_idx ON refunds (payment_id) WHERE payment_id IS NOT NULL;
CREATE INDEX refunds_charge_attempt_idx ON refunds (charge_attempt_id) WHERE charge_attempt_id IS NOT NULL;
CREATE INDEX refunds_created_idx ON refunds (created_at DESC, id DESC);
-- What refunds that did not fail (pending, succeeded, requires_manual) hold of the captured amount.
ALTER TABLE payments ADD COLUMN refunded_minor bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0 AND refunded_minor <= amount_minor);
ALTER TABLE charge_attempts ADD COLUMN refunded_minor bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0 AND refunded_minor <= amount_minor);

-- A dispute (chargeback) of a payment or a charge attempt, one row per gateway dispute id.
CREATE TABLE disputes (
  id                  text PRIMARY KEY,
  gateway             text NOT NULL,
  gateway_dispute_id  text NOT NULL,
  payment_id          text REFERENCES payments (id),
  charge_attempt_id   bigint REFERENCES charge_attempts (id),
  customer_id         text NOT NULL REFERENCES customers (id),
  amount_minor        bigint NOT NULL CHECK (amount_minor > 0),
  currency            char(3) NOT NULL,
  reason              text,
  status              text NOT NULL CHECK (status IN ('open', 'won', 'lost')),
  created_at          timestamptz NOT NULL DEFAULT now(),
  closed_at           timestamptz,
  UNIQUE (gateway, gateway_dispute_id),
  CHECK ((payment_id IS NULL) <> (charge_attempt_id IS NULL))
);

-- The sandbox's refund books: one row per refund key that reached the pretend bank.
CREATE TABLE sandbox_refunds (
  idempotency_key  text PRIMARY KEY,
  transaction_id   text NOT NULL,           -- the charge or checkout transaction refunded
  amount_minor     bigint NOT NULL CHECK (amount_minor > 0),
  currency         char(3) NOT NULL,
  outcome          text NOT NULL CHECK (outcome IN ('succeeded', 'failed')),
  code             text NOT NULL,
  message          text NOT NULL,
  refund_id        text NOT NULL,           -- the sandbox's own refund id
  mode             text NOT NULL CHECK (mode IN ('test', 'live')),
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sandbox_refunds_transaction_idx ON sandbox_refunds (transaction_id);
