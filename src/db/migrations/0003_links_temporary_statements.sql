-- Issue 4: gateways from configuration, payment links, temporary payments, bank statements.

-- What a payment started with stays with it: a gateway's later change of mode, adapter or
-- settlement never reaches a transaction already in flight.
ALTER TABLE payments ADD COLUMN adapter text NOT NULL DEFAULT 'sandbox';
ALTER TABLE payments ADD COLUMN settlement text NOT NULL DEFAULT 'immediate'
  CHECK (settlement IN ('immediate', 'deferred'));
ALTER TABLE payments ADD COLUMN payment_expiration_ms bigint CHECK (payment_expiration_ms > 0);
ALTER TABLE payments ADD COLUMN return_url text;
ALTER TABLE payments ADD COLUMN payment_link_id text;
-- Caller-given references may be any text a bank transfer carries; matching compares them exactly.
CREATE INDEX payments_pending_reference_idx ON payments (reference) WHERE status = 'pending';

-- A token URL for an amount, paid on /pay/:token. Paid once: later payments of it are refused.
CREATE TABLE payment_links (
  id                 text PRIMARY KEY,
  token              text NOT NULL UNIQUE,
  customer_id        text NOT NULL REFERENCES customers (id),
  kind               text NOT NULL CHECK (kind IN ('invoice', 'balance')),
  amount_minor       bigint NOT NULL CHECK (amount_minor > 0),
  currency           char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  description        text NOT NULL DEFAULT '',
  invoice_reference  text,
  customer_name      text,
  customer_email     text,
  expires_at         timestamptz NOT NULL,
  paid_payment_id    text REFERENCES payments (id),
  created_at         timestamptz NOT NULL DEFAULT now()
);

-- BillTech's temporary payments: counted at once, settled later by the bank, by expiry or by hand.
CREATE TABLE temporary_payments (
  id               text PRIMARY KEY,
  payment_id       text NOT NULL UNIQUE REFERENCES payments (id),
  customer_id      text NOT NULL REFERENCES customers (id),
  amount_minor     bigint NOT NULL CHECK (amount_minor > 0),
  currency         char(3) NOT NULL,
  reference        text NOT NULL,
  status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'settled')),
  settled_reason   text CHECK (settled_reason IN ('bank', 'manual', 'expired')),
  settled_at       timestamptz,
  bank_line_id     text,
  expiration_ms    bigint CHECK (expiration_ms > 0),       -- how long it stays open; null: never expires
  expires_at       timestamptz,                           -- null while settled or for `never`
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'open') = (settled_reason IS NULL))
);
CREATE INDEX temporary_payments_reference_idx ON temporary_payments (reference);
CREATE INDEX temporary_payments_status_idx ON temporary_payments (status, created_at, id);

-- Every change of a temporary payment, never updated or deleted.
CREATE TABLE temporary_payment_history (
  id                    bigserial PRIMARY KEY,
  temporary_payment_id  text NOT NULL REFERENCES temporary_payments (id),
  action                text NOT NULL CHECK (action IN ('created', 'settled', 'unsettled')),
  reason                text,
  actor                 text,
  expires_at            timestamptz,
  bank_line_id          text,
  created_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX temporary_payment_history_idx ON temporary_payment_history (temporary_payment_id, id);

-- One row per imported file; the same bytes twice are one import.
CREATE TABLE bank_statements (
  id            text PRIMARY KEY,
  sha256        text NOT NULL UNIQUE,
  format        text NOT NULL CHECK (format IN ('camt.053', 'camt.054', 'mt940', 'csv')),
  file_name     text,
  accounts      text[] NOT NULL DEFAULT '{}',
  statement_ids text[] NOT NULL DEFAULT '{}',
  line_count    integer NOT NULL,
  status        text NOT NULL DEFAULT 'importing' CHECK (status IN ('importing', 'done')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  completed_at  timestamptz
);

CREATE TABLE bank_lines (
  id                    text PRIMARY KEY,
  statement_id          text NOT NULL REFERENCES bank_statements (id),
  line_no               integer NOT NULL,
  bank_reference        text,
  booking_date          date,
  value_date            date,
  amount_minor          bigint NOT NULL CHECK (amount_minor >= 0),
  currency              char(3) NOT NULL,
  direction             text NOT NULL CHECK (direction IN ('credit', 'debit')),
  entry_status          text NOT NULL CHECK (entry_status IN ('booked', 'pending', 'other')),
  reversal              boolean NOT NULL DEFAULT false,
  references_found      text[] NOT NULL DEFAULT '{}',
  counterparty          text,
  text                  text NOT NULL DEFAULT '',
  outcome               text CHECK (outcome IN ('matched', 'amount_mismatch', 'no_reference', 'not_found', 'duplicate', 'ignored')),
  outcome_detail        text,
  matched_reference     text,
  temporary_payment_id  text REFERENCES temporary_payments (id),
  payment_id            text REFERENCES payments (id),
  matched_by            text,                     -- 'import' or the admin key that paired it by hand
  decided_at            timestamptz,
  signaled_at           timestamptz,              -- when the matched workflow was told
  signal_attempted_at   timestamptz,              -- last failed attempt to tell it (its workflow was not running)
  UNIQUE (statement_id, line_no)
);
CREATE INDEX bank_lines_undecided_idx ON bank_lines (statement_id, line_no) WHERE outcome IS NULL;
CREATE INDEX bank_lines_unsignaled_idx ON bank_lines (statement_id, line_no) WHERE outcome = 'matched' AND signaled_at IS NULL;
-- The bank's own id of an entry: a line seen in an earlier file is a duplicate, not a second payment.
CREATE INDEX bank_lines_bank_reference_idx ON bank_lines (bank_reference, currency, amount_minor)
  WHERE bank_reference IS NOT NULL;
-- At most one line settles a temporary payment or a payment.
CREATE UNIQUE INDEX bank_lines_one_per_temporary_idx ON bank_lines (temporary_payment_id) WHERE outcome = 'matched';
CREATE UNIQUE INDEX bank_lines_one_per_payment_idx ON bank_lines (payment_id) WHERE outcome = 'matched';

-- Verdicts given on the sandbox's hosted checkout, so its status query can answer for callbacks
-- that never arrived.
CREATE TABLE sandbox_checkouts (
  payment_id      text PRIMARY KEY REFERENCES payments (id),
  outcome         text NOT NULL CHECK (outcome IN ('succeeded', 'failed')),
  code            text NOT NULL,
  message         text NOT NULL,
  transaction_id  text NOT NULL,
  callback_sent   boolean NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE inbound_requests DROP CONSTRAINT inbound_requests_outcome_check;
ALTER TABLE inbound_requests ADD CONSTRAINT inbound_requests_outcome_check
  CHECK (outcome IN ('received', 'accepted', 'delivered', 'duplicate', 'late', 'imported',
                     'rejected_signature', 'rejected_malformed', 'rejected_schema',
                     'rejected_unknown_payment', 'rejected_unknown_gateway', 'rejected_too_large',
                     'rejected_source'));
CREATE INDEX inbound_requests_list_idx ON inbound_requests (channel, received_at DESC, id DESC);

-- A payment link has at most one payment in flight, so two tabs cannot pay it twice.
CREATE UNIQUE INDEX payments_one_pending_per_link_idx ON payments (payment_link_id)
  WHERE status = 'pending' AND payment_link_id IS NOT NULL;
