-- Issue 8, money rules 6, 7, 10, 11.
-- Idempotency keys expire (IDEMPOTENCY_KEY_TTL) and are deleted by the API's cleanup, oldest first.
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
-- A bank line that confirms an expired or hand settlement is its own history entry, and any
-- settlement can be reopened by hand.
ALTER TABLE temporary_payment_history DROP CONSTRAINT temporary_payment_history_action_check;
ALTER TABLE temporary_payment_history ADD CONSTRAINT temporary_payment_history_action_check
  CHECK (action IN ('created', 'settled', 'bank_confirmed', 'unsettled'));
-- Lists newest first, keyset-paged by (created_at, id).
CREATE INDEX payments_list_idx ON payments (created_at DESC, id DESC);
CREATE INDEX customers_list_idx ON customers (created_at DESC, id DESC);
