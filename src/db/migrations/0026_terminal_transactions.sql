-- Payments taken by terminal networks over the OSMP (QIWI) check/pay protocol. A row is written
-- in the same transaction as the payment it made, unique on the network's own txn_id within a
-- mode, so a repeated `pay` finds it and answers the same prv_txn without paying twice. The mode is
-- in the key because a test address's requests (the operator's test tool) do not draw their
-- txn_ids from the network's live sequence: a live pay whose txn_id a test pay used is another
-- payment, and must be paid, not answered as a repeat of the test one. A same-mode "repeat" whose
-- sum or account differs is refused (src/terminals/osmp/commands.ts). Refused pays are
-- not kept here: their journal row (inbound_requests, channel 'terminal') says why, and the
-- terminal may try the same txn_id again once the refusal no longer holds.
CREATE TABLE terminal_transactions (
  -- prv_txn: the number the protocol answers a pay with (the provider's own transaction id).
  prv_txn          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  gateway          text NOT NULL,
  -- The network's id: digits, at most 20 (more than a bigint holds), kept without leading zeros.
  txn_id           text NOT NULL CHECK (txn_id ~ '^[1-9][0-9]{0,19}$'),
  -- What the payer typed, and the identifier kind that found the customer.
  account          text NOT NULL,
  account_kind     text NOT NULL CHECK (account_kind IN ('contract', 'login', 'phone', 'uid')),
  customer_id      text NOT NULL REFERENCES customers (id),
  sum_minor        bigint NOT NULL CHECK (sum_minor > 0),
  currency         char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  -- txn_date as the terminal wrote it (its own local time, YYYYMMDDHHMMSS) and the instant that
  -- reading means in the network's configured time zone.
  txn_date_local   text NOT NULL CHECK (txn_date_local ~ '^[0-9]{14}$'),
  txn_at           timestamptz NOT NULL,
  -- The protocol's result the pay was answered with; only accepted pays (0) are kept.
  result           smallint NOT NULL CHECK (result = 0),
  -- Deferred: the row is written first, so a concurrent repeat waits on (gateway, mode, txn_id) before
  -- any payment is made, and the payment follows in the same transaction.
  payment_id       text NOT NULL UNIQUE REFERENCES payments (id) DEFERRABLE INITIALLY DEFERRED,
  mode             text NOT NULL CHECK (mode IN ('test', 'live')),
  journal_id       bigint NOT NULL REFERENCES inbound_requests (id),
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (gateway, mode, txn_id)
);

CREATE INDEX terminal_transactions_customer_idx ON terminal_transactions (customer_id, created_at);
