-- E-mail notifications: to customers (in their locale) and to the configured admin list.
-- A notification row is written in the transaction that decides it (the outbox fan-out for events,
-- the callback journal for a refused callback, the daily summary); the outbox then starts its
-- workflow notification:<id>, which renders and sends it with retries and records the outcome.
ALTER TABLE customers ADD COLUMN locale text NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'pl', 'ru'));

CREATE TABLE notifications (
  id                   text PRIMARY KEY,                        -- ntf_…
  -- The template: payment_received, charge_failed, card_expiring, subscription_stopped, refund_made,
  -- temporary_payment_created (customer); callback_refused, webhook_endpoint_disabled,
  -- statement_unmatched, daily_summary (admin).
  type                 text NOT NULL,
  audience             text NOT NULL CHECK (audience IN ('customer', 'admin')),
  customer_id          text REFERENCES customers (id),
  event_id             bigint REFERENCES events (id),
  -- At most one notification per key: (event, type) for event e-mails, a time bucket for alerts.
  dedupe_key           text NOT NULL UNIQUE,
  recipients           text[] NOT NULL,
  locale               text NOT NULL CHECK (locale IN ('en', 'pl', 'ru')),
  -- What the template is filled with; no card data, nothing secret.
  data                 jsonb NOT NULL,
  status               text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
  attempts             integer NOT NULL DEFAULT 0,
  subject              text,
  message_id           text,
  last_error           text,
  workflow_started_at  timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  sent_at              timestamptz
);
CREATE INDEX notifications_customer_idx ON notifications (customer_id, created_at DESC, id);
CREATE INDEX notifications_type_idx ON notifications (type, created_at DESC, id);
CREATE INDEX notifications_unstarted_idx ON notifications (created_at) WHERE workflow_started_at IS NULL;

-- A notification written outside the event fan-out (an alert) wakes the outbox the same way.
CREATE TRIGGER notifications_notify AFTER INSERT ON notifications FOR EACH STATEMENT EXECUTE FUNCTION tollgate_events_notify();
