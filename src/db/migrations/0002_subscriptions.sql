-- Recurring subscriptions (DESIGN.md §4): the subscription row mirrors its workflow's state, and
-- every charge attempt is its own row, unique on its idempotency key, written before the gateway
-- is called.

CREATE TABLE subscriptions (
  id                 text PRIMARY KEY,
  customer_id        text NOT NULL REFERENCES customers (id),
  gateway            text NOT NULL,
  mode               text NOT NULL CHECK (mode IN ('test', 'live')),
  payment_method     jsonb NOT NULL,            -- {"token": "...", "expires": "YYYY-MM"} — never card data
  amount_minor       bigint NOT NULL CHECK (amount_minor > 0),
  currency           char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  schedule           jsonb NOT NULL,
  time_zone          text NOT NULL,
  first_charge_at    timestamptz NOT NULL,
  ends_at            timestamptz,
  min_amount_minor   bigint,
  max_amount_minor   bigint,
  retry_schedule     text[] NOT NULL,
  state              text NOT NULL DEFAULT 'active'
                       CHECK (state IN ('active', 'charging', 'past_due', 'user_stopped', 'admin_stopped', 'system_stopped')),
  stopped_reason     text,
  period             integer NOT NULL DEFAULT 0,
  next_charge_at     timestamptz,
  pending_changes    jsonb,                     -- amount/schedule taking effect from the next period
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscriptions_customer_idx ON subscriptions (customer_id, id);
CREATE INDEX subscriptions_state_next_idx ON subscriptions (state, next_charge_at);

CREATE TABLE charge_attempts (
  id                      bigserial PRIMARY KEY,
  subscription_id         text NOT NULL REFERENCES subscriptions (id),
  period                  integer NOT NULL,
  attempt                 integer NOT NULL,
  idempotency_key         text NOT NULL UNIQUE,
  amount_minor            bigint NOT NULL,
  currency                char(3) NOT NULL,
  status                  text NOT NULL DEFAULT 'pending'
                            CHECK (status IN ('pending', 'succeeded', 'failed', 'unknown')),
  outcome                 text CHECK (outcome IN ('success', 'soft_decline', 'hard_decline', 'technical_error', 'unknown')),
  gateway_code            text,
  gateway_message         text,
  gateway_transaction_id  text,
  mode                    text NOT NULL CHECK (mode IN ('test', 'live')),
  created_at              timestamptz NOT NULL DEFAULT now(),
  completed_at            timestamptz
);
CREATE INDEX charge_attempts_subscription_idx ON charge_attempts (subscription_id, id);

-- The sandbox gateway's own books: what reached the pretend bank, by idempotency key.
CREATE TABLE sandbox_ledger (
  idempotency_key  text PRIMARY KEY,
  token            text NOT NULL,
  amount_minor     bigint NOT NULL,
  currency         char(3) NOT NULL,
  outcome          text NOT NULL CHECK (outcome IN ('approved', 'soft_decline', 'hard_decline')),
  code             text NOT NULL,
  message          text NOT NULL,
  transaction_id   text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);

-- A succeeded one-time payment may leave a reusable token (the first-payment flow).
ALTER TABLE payments ADD COLUMN payment_method_token text;
ALTER TABLE payments ADD COLUMN payment_method_expires text;

-- Tokens a billing system mints for one customer's self-service calls.
ALTER TABLE api_keys ADD COLUMN customer_id text REFERENCES customers (id);
ALTER TABLE api_keys DROP CONSTRAINT api_keys_scopes_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_scopes_check
  CHECK (scopes <@ ARRAY['admin', 'billing', 'read', 'customer']::text[] AND cardinality(scopes) > 0);
