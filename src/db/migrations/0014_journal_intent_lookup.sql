-- A gateway's message about an off-session charge names its intent, not Tollgate's id: the
-- callback journal finds the charge attempt by it (src/db/callback-journal.ts).
CREATE INDEX charge_attempts_gateway_intent_idx ON charge_attempts (gateway_intent_id) WHERE gateway_intent_id IS NOT NULL;
-- A payment's expiry looks for a success journaled before its deadline whose signal is still on
-- its way (src/db/inbound-requests.ts undeliveredTimelySuccess): accepted rows are few and brief.
CREATE INDEX inbound_requests_accepted_payment_idx ON inbound_requests (payment_id) WHERE outcome = 'accepted';
