-- A verified callback about something that is not Tollgate's (a Stripe account that also takes
-- payments Tollgate did not make, an event type the endpoint was subscribed to by mistake) is
-- journaled as 'ignored' and answered 200: a 4xx would make the gateway retry it for days and
-- finally disable the endpoint, Tollgate's own events with it.
ALTER TABLE inbound_requests DROP CONSTRAINT inbound_requests_outcome_check;
ALTER TABLE inbound_requests ADD CONSTRAINT inbound_requests_outcome_check
  CHECK (outcome IN ('received', 'accepted', 'delivered', 'duplicate', 'late', 'imported', 'ignored',
                     'rejected_signature', 'rejected_malformed', 'rejected_schema',
                     'rejected_unknown_payment', 'rejected_unknown_gateway', 'rejected_too_large',
                     'rejected_source', 'rejected_busy'));
