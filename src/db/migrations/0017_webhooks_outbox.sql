-- The event outbox and outbound webhooks (Standard Webhooks).
--
-- The outbox: every consumer of the event log that acts outside Postgres (webhook deliveries,
-- e-mail) keeps its own cursor here. A fan-out step, under the cursor row's lock, turns the events
-- after the cursor into its own rows (one delivery per event and endpoint, one notification per
-- e-mail) and moves the cursor in the same transaction; a second step starts a workflow for each
-- row not yet started. So an event committed while Temporal is down is fanned out at once and its
-- workflows start when Temporal is back; nothing is fanned out twice.
CREATE TABLE outbox_cursors (
  sink           text PRIMARY KEY,
  last_event_id  bigint NOT NULL DEFAULT 0,
  updated_at     timestamptz NOT NULL DEFAULT now()
);
-- Consumers start at the present: an upgrade does not e-mail or post the past.
INSERT INTO outbox_cursors (sink, last_event_id)
SELECT s, COALESCE((SELECT max(id) FROM events), 0) FROM unnest(ARRAY['webhooks', 'notifications']) AS s;

-- "In the same transaction's wake": one notification per committing transaction that wrote events
-- (Postgres folds identical notifications of one transaction into one) wakes the fan-out at once.
CREATE FUNCTION tollgate_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('tollgate_events', '');
  RETURN NULL;
END $$;
CREATE TRIGGER events_notify AFTER INSERT ON events FOR EACH STATEMENT EXECUTE FUNCTION tollgate_events_notify();

CREATE TABLE webhook_endpoints (
  id                          text PRIMARY KEY,                 -- we_…
  url                         text NOT NULL,
  description                 text NOT NULL DEFAULT '',
  -- The event types it wants; '{*}' is every type.
  event_types                 text[] NOT NULL,
  enabled                     boolean NOT NULL DEFAULT true,
  -- Why it is disabled: 'user' (an API call), 'gone' (it answered 410), 'failing' (5 days of failures).
  disabled_reason             text CHECK (disabled_reason IN ('user', 'gone', 'failing')),
  disabled_at                 timestamptz,
  -- The signing secret (whsec_…); during a rotation the previous one signs too until it expires.
  secret                      text NOT NULL,
  previous_secret             text,
  previous_secret_expires_at  timestamptz,
  -- Set by the first failed attempt after a success (or ever), cleared by a success.
  failing_since               timestamptz,
  created_at                  timestamptz NOT NULL DEFAULT now(),
  updated_at                  timestamptz NOT NULL DEFAULT now(),
  -- Deleting keeps the row (and its deliveries) but hides it and stops its deliveries.
  deleted_at                  timestamptz,
  CHECK (enabled = (disabled_reason IS NULL))
);
CREATE INDEX webhook_endpoints_live_idx ON webhook_endpoints (created_at) WHERE deleted_at IS NULL;

-- One delivery per (event, endpoint); its workflow is webhook-delivery:<id>:<run>. A manual retry or
-- a recover bumps `run` and clears workflow_started_at, so the outbox starts a fresh workflow.
CREATE TABLE webhook_deliveries (
  id                   text PRIMARY KEY,                        -- whd_…
  event_id             bigint NOT NULL REFERENCES events (id),
  endpoint_id          text NOT NULL REFERENCES webhook_endpoints (id),
  status               text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed', 'canceled')),
  run                  integer NOT NULL DEFAULT 1,
  attempts             integer NOT NULL DEFAULT 0,
  next_attempt_at      timestamptz,
  last_status_code     integer,
  last_error           text,
  workflow_started_at  timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  completed_at         timestamptz,
  UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at DESC, id);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);
CREATE INDEX webhook_deliveries_unstarted_idx ON webhook_deliveries (created_at) WHERE workflow_started_at IS NULL;

-- Every attempt, as it went: time, HTTP status, latency, the first 4 KB of the answer, the error.
CREATE TABLE webhook_attempts (
  id                bigserial PRIMARY KEY,
  delivery_id       text NOT NULL REFERENCES webhook_deliveries (id),
  run               integer NOT NULL,
  attempt           integer NOT NULL,
  started_at        timestamptz NOT NULL,
  latency_ms        integer NOT NULL,
  status_code       integer,
  response_excerpt  text,
  error             text,
  UNIQUE (delivery_id, run, attempt)
);
