-- How payers at terminals and on the top-up portal are found (issue 13 §1, ABillS
-- PAYSYS_GATEWAY_IDENTIFIER): the identifiers the billing system keeps for a customer, and the
-- balance it last pushed. `uid` is customers.external_ref itself, so it has no row here.
-- Values are stored normalised (src/identification/normalise.ts: trimmed; a phone as its digits),
-- so a lookup is one equality on the primary key.
CREATE TABLE customer_identifiers (
  -- STORED_IDENTIFIER_KINDS in src/identification/normalise.ts (a unit test compares them).
  kind         text NOT NULL CHECK (kind IN ('contract', 'login', 'phone')),
  value        text NOT NULL CHECK (value <> '' AND length(value) <= 200),
  customer_id  text NOT NULL REFERENCES customers (id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  -- Unique per kind: one contract number is one customer's; the same digits may be another's phone.
  PRIMARY KEY (kind, value)
);
-- A customer's set, read and replaced by PUT/GET /v1/customers/:id/identifiers.
CREATE INDEX customer_identifiers_customer_idx ON customer_identifiers (customer_id, kind);

-- What the billing system last said of a customer's account, for channels without a lookup hook.
CREATE TABLE customer_balances (
  customer_id    text PRIMARY KEY REFERENCES customers (id),
  -- Negative is debt.
  balance_minor  bigint NOT NULL,
  currency       char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  -- false: the account may not be paid into (a closed contract).
  active         boolean NOT NULL,
  -- When the billing system computed it: an older push never overwrites a newer one.
  as_of          timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL DEFAULT now()
);
