-- Foundation: customers, API keys, payments, the event log, the inbound journal, idempotency.
-- Money is bigint minor units with an ISO 4217 code beside it, never numeric or float.

CREATE TABLE customers (
  id            text PRIMARY KEY,
  external_ref  text NOT NULL UNIQUE,
  name          text NOT NULL,
  email         text,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  key_hash    text NOT NULL UNIQUE,          -- sha256 of the whole key, hex; the key itself is never stored
  key_prefix  text NOT NULL,                 -- first characters, so an operator can tell keys apart
  scopes      text[] NOT NULL CHECK (scopes <@ ARRAY['admin', 'billing', 'read']::text[] AND cardinality(scopes) > 0),
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);

CREATE TABLE payments (
  id                      text PRIMARY KEY,
  customer_id             text NOT NULL REFERENCES customers (id),
  amount_minor            bigint NOT NULL CHECK (amount_minor > 0),
  currency                char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  gateway                 text NOT NULL,
  mode                    text NOT NULL CHECK (mode IN ('test', 'live')),
  description             text NOT NULL DEFAULT '',
  reference               text NOT NULL UNIQUE,
  status                  text NOT NULL DEFAULT 'pending'
                            CHECK (status IN ('pending', 'succeeded', 'failed', 'expired', 'canceled')),
  expires_at              timestamptz NOT NULL,
  gateway_transaction_id  text,
  gateway_code            text,
  gateway_message         text,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now(),
  completed_at            timestamptz
);
CREATE INDEX payments_customer_idx ON payments (customer_id, created_at DESC);

-- Append-only log of state changes, written in the same transaction as the change.
-- tx_id lets readers hide rows whose transaction may still commit below a later id.
CREATE TABLE events (
  id              bigserial PRIMARY KEY,
  type            text NOT NULL,
  aggregate_type  text NOT NULL,
  aggregate_id    text NOT NULL,
  payload         jsonb NOT NULL,
  tx_id           xid8 NOT NULL DEFAULT pg_current_xact_id(),
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_aggregate_idx ON events (aggregate_type, aggregate_id, id);

-- Every request that reached us from outside (gateway callbacks, later terminals and statements),
-- committed before anything acts on it.
CREATE TABLE inbound_requests (
  id              bigserial PRIMARY KEY,
  channel         text NOT NULL,             -- 'callback'
  source          text NOT NULL,             -- the gateway name
  method          text NOT NULL,
  path            text NOT NULL,
  headers         jsonb NOT NULL,
  body            text NOT NULL,
  body_truncated  boolean NOT NULL DEFAULT false,
  source_ip       text,
  received_at     timestamptz NOT NULL DEFAULT now(),
  outcome         text NOT NULL DEFAULT 'received'
                    CHECK (outcome IN ('received', 'accepted', 'delivered', 'duplicate', 'late',
                                       'rejected_signature', 'rejected_malformed', 'rejected_schema',
                                       'rejected_unknown_payment', 'rejected_unknown_gateway', 'rejected_too_large',
                                       'rejected_source')),
  outcome_detail  text,
  payment_id      text,
  event_id        text,                      -- the sender's id for this message (webhook-id)
  signal          jsonb,                     -- what must reach the workflow, kept for the relay
  decided_at      timestamptz,
  delivered_at    timestamptz,
  attempts        integer NOT NULL DEFAULT 0
);
CREATE INDEX inbound_requests_relay_idx ON inbound_requests (id) WHERE outcome = 'accepted';
-- A sender's message is acted on once: repeats become 'duplicate'.
CREATE UNIQUE INDEX inbound_requests_once_idx ON inbound_requests (channel, source, event_id)
  WHERE outcome IN ('accepted', 'delivered', 'late');

CREATE TABLE idempotency_keys (
  api_key_id      text NOT NULL,
  operation       text NOT NULL,
  key             text NOT NULL,
  request_hash    text NOT NULL,
  response_status integer,
  response_body   jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (api_key_id, operation, key)
);
