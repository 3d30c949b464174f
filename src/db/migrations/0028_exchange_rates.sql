-- Currency rates (issue 13 §5). One row says: on rate_date, 1 unit of `base` was worth `rate`
-- units of `quote`, as `source` published it. ECB rows are EUR → X (the euro foreign exchange
-- reference rates), NBP rows X → PLN (table A mid rates, "kurs średni"), manual rows any pair an
-- operator sets. The rate is numeric, never float: Postgres keeps its digits and scale exactly
-- ("4.3090" stays 4.3090), and Tollgate reads it back as text for string arithmetic.
CREATE TABLE exchange_rates (
  base         text NOT NULL CHECK (base ~ '^[A-Z]{3}$'),
  quote        text NOT NULL CHECK (quote ~ '^[A-Z]{3}$' AND quote <> base),
  rate         numeric NOT NULL CHECK (rate > 0),
  rate_date    date NOT NULL,
  source       text NOT NULL CHECK (source IN ('ecb', 'nbp', 'manual')),
  -- The published table's own number (NBP "001/A/NBP/2024"), when it has one.
  source_ref   text,
  imported_at  timestamptz NOT NULL DEFAULT now(),
  -- When a manual rate was last changed (a published rate never is).
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (base, quote, rate_date, source)
);

-- The booking-day lookup reads the newest rows on or before a day that touch either currency.
CREATE INDEX exchange_rates_base_day_idx ON exchange_rates (base, rate_date DESC);
CREATE INDEX exchange_rates_quote_day_idx ON exchange_rates (quote, rate_date DESC);

-- The currency the billing system keeps the customer's account in. NULL: no conversion (the
-- payment's own currency is what the billing system books).
ALTER TABLE customers ADD COLUMN billing_currency text CHECK (billing_currency ~ '^[A-Z]{3}$');

-- The conversion of a succeeded payment into its customer's billing currency, written in the
-- same transaction as the success (the payment workflow's activity: one writer). status
-- 'missing': no rate was known for the booking day; the payment succeeded all the same and the
-- billing system, told so in payment.succeeded, converts it itself.
CREATE TABLE payment_conversions (
  payment_id              text PRIMARY KEY REFERENCES payments (id),
  billing_currency        text NOT NULL CHECK (billing_currency ~ '^[A-Z]{3}$'),
  booking_day             date NOT NULL,
  status                  text NOT NULL CHECK (status IN ('converted', 'missing')),
  rate                    numeric CHECK (rate > 0),
  rate_date               date,
  source                  text CHECK (source IN ('ecb', 'nbp', 'manual')),
  -- direct (the pair as published), inverse (the opposite pair's 1/rate), cross_eur or cross_pln.
  method                  text CHECK (method IN ('direct', 'inverse', 'cross_eur', 'cross_pln')),
  converted_amount_minor  bigint,
  -- Why a conversion is missing: no rate known, or the conversion itself failed (an amount too
  -- large for the events' JSON) — the success is recorded either way.
  reason                  text CHECK (status = 'missing' OR reason IS NULL),
  created_at              timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'converted') = (rate IS NOT NULL AND rate_date IS NOT NULL AND source IS NOT NULL AND method IS NOT NULL AND converted_amount_minor IS NOT NULL))
);
