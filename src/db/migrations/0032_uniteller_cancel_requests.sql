-- What the Uniteller adapter sent to /unblock/ for a partial-refund gateway (uniteller.partial_refunds),
-- per refund key, written BEFORE it is sent (src/gateways/uniteller/partial-refunds.ts). /unblock/
-- takes no idempotency key, and where the acquirer allows partial and repeated cancellations
-- ("Технический порядок. Интернет-эквайринг" v1.43 rev. 48, 4.5.1) Uniteller refuses nothing a
-- second send would repeat, so a lost answer is never resolved by sending again: this row says the
-- key was sent, and the refunds the results request listed just before the send (PaymentsResults=3,
-- one line per successful refund with its own BillNumber) let a later results request tell whether
-- this cancellation happened. One unresolved cancellation per order at a time (the partial unique
-- index), so a new refund line belongs to that one.
-- A new, empty table: nothing on the ledger is scanned or locked by this migration.
CREATE TABLE uniteller_cancel_requests (
  idempotency_key   text PRIMARY KEY CHECK (idempotency_key LIKE 'refund:%'),
  gateway           text NOT NULL,
  mode              text NOT NULL CHECK (mode IN ('test', 'live')),
  -- The order cancelled (OrderID of /unblock/): Tollgate's Order_IDP.
  order_id          text NOT NULL,
  amount_minor      bigint NOT NULL CHECK (amount_minor > 0),
  currency          text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  -- The BillNumbers (refund RRNs) of the order's refund lines just before the send.
  refunds_before    text[] NOT NULL,
  -- sent: no answer yet (or it was lost); pending: answered, the refund line not seen yet.
  status            text NOT NULL CHECK (status IN ('sent', 'pending', 'succeeded', 'failed')),
  gateway_refund_id text,
  code              text,
  message           text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  decided_at        timestamptz
);

CREATE UNIQUE INDEX uniteller_cancel_requests_one_open_per_order ON uniteller_cancel_requests (gateway, mode, order_id)
  WHERE status IN ('sent', 'pending');
