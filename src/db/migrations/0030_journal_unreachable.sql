-- A rates fetch whose source did not answer (a network error, a timeout, an HTTP status other than
-- 2xx) ends 'unreachable': nothing came, so nothing was malformed, and an operator looking for
-- broken files must not find an outage among them (src/rates/import.ts). Widens the CHECK of
-- 0027 by that one outcome, keeping every earlier one valid; NOT VALID, as there, so the journal
-- is not scanned under the lock — every existing row satisfies the narrower check it replaces.
ALTER TABLE inbound_requests DROP CONSTRAINT inbound_requests_outcome_check;
ALTER TABLE inbound_requests ADD CONSTRAINT inbound_requests_outcome_check
  CHECK (outcome IN ('received', 'accepted', 'delivered', 'duplicate', 'late', 'imported', 'ignored',
                     'rejected_signature', 'rejected_malformed', 'rejected_schema',
                     'rejected_unknown_payment', 'rejected_unknown_gateway', 'rejected_too_large',
                     'rejected_source', 'rejected_busy',
                     'identified', 'not_identified', 'rejected_rate_limit', 'started',
                     'unreachable')) NOT VALID;
