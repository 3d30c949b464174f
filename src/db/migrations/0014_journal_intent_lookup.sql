-- A gateway's message about an off-session charge names its intent, not Tollgate's id: the
-- callback journal finds the charge attempt by it (src/db/callback-journal.ts).
CREATE INDEX charge_attempts_gateway_intent_idx ON charge_attempts (gateway_intent_id) WHERE gateway_intent_id IS NOT NULL;
