-- What the Assist adapter sent to cancel.cfm, per refund key, written BEFORE it is sent
-- (src/gateways/assist/refunds.ts). Assist's HTTP POST cancel takes no idempotency key and allows
-- several partial cancellations of one payment, so a lost answer cannot be resolved by sending
-- again: this row says the key was sent (refundStatus then never answers "never seen"), and the
-- order state seen just before the send lets a later order state query tell whether the
-- cancellation happened. One unresolved cancellation per Assist bill at a time (the partial unique
-- index), so a change of the order's state belongs to that one.
-- A new, empty table: nothing on the ledger is scanned or locked by this migration.
CREATE TABLE assist_cancel_requests (
  idempotency_key   text PRIMARY KEY CHECK (idempotency_key LIKE 'refund:%'),
  gateway           text NOT NULL,
  mode              text NOT NULL CHECK (mode IN ('test', 'live')),
  -- The payment's Assist bill number (Billnumber of cancel.cfm) and its OrderNumber.
  billnumber        text NOT NULL,
  order_number      text NOT NULL,
  amount_minor      bigint NOT NULL CHECK (amount_minor > 0),
  currency          text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  -- The order's state (orderstate.cfm) just before the send: Approved or PartialCanceled.
  state_before      text NOT NULL,
  -- sent: no answer yet (or it was lost); pending: Assist answered without a final result.
  status            text NOT NULL CHECK (status IN ('sent', 'pending', 'succeeded', 'failed')),
  gateway_refund_id text,
  code              text,
  message           text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  decided_at        timestamptz
);

CREATE UNIQUE INDEX assist_cancel_requests_one_open_per_bill ON assist_cancel_requests (gateway, mode, billnumber)
  WHERE status IN ('sent', 'pending');
