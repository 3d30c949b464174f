-- Keys that end: revoked by DELETE /v1/api-keys/:id (revoked_at existed since 0001, unused), or
-- expiring by themselves (customer tokens default to one hour). A key is valid while both are
-- unset or in the future; the auth middleware tells the caller which one ended it.
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS revoked_at timestamptz;
ALTER TABLE api_keys ADD COLUMN expires_at timestamptz;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_expiry_after_creation CHECK (expires_at IS NULL OR expires_at > created_at);
CREATE INDEX api_keys_list_idx ON api_keys (created_at DESC, id DESC);

-- A statement upload refused because STATEMENT_MAX_CONCURRENT_IMPORTS imports were running.
ALTER TABLE inbound_requests DROP CONSTRAINT inbound_requests_outcome_check;
ALTER TABLE inbound_requests ADD CONSTRAINT inbound_requests_outcome_check
  CHECK (outcome IN ('received', 'accepted', 'delivered', 'duplicate', 'late', 'imported',
                     'rejected_signature', 'rejected_malformed', 'rejected_schema',
                     'rejected_unknown_payment', 'rejected_unknown_gateway', 'rejected_too_large',
                     'rejected_source', 'rejected_busy'));
