import type { AggregateType, EventPayloads, EventType } from '../../src/events/catalog.js';

/**
 * One payload per event type, shaped as its write site writes it (the file named beside each
 * group). Typed by the catalog, so a sample that drifts from it does not compile either.
 */
type Samples = { [K in EventType]: { aggregate: AggregateType; payload: EventPayloads[K] } };

const at = '2026-12-01T20:00:00.000Z';
// src/db/late-success.ts paymentEventPayload
const payment = {
  payment_id: 'pay_q0c1UuJ3D2kq3oS7', customer_id: 'cus_1', amount: 1815, currency: 'PLN', gateway: 'sandbox', mode: 'test' as const,
  reference: 'VS00001234', gateway_transaction_id: 'sbx_tx_1', gateway_code: '00', credited_amount: 1815, commission: 0,
};
// src/activities/disputes.ts disputePayload
const dispute = {
  dispute_id: 'dsp_1', gateway: 'stripe', gateway_dispute_id: 'dp_1', payment_id: 'pay_1', charge_attempt_id: null, subscription_id: null,
  customer_id: 'cus_1', amount: 1815, currency: 'PLN', reason: 'fraudulent',
};
// src/db/refunds.ts refundEventPayload
const refund = {
  refund_id: 'ref_1', payment_id: 'pay_1', charge_attempt_id: null, customer_id: 'cus_1', status: 'pending' as const, amount: 500, currency: 'PLN',
  gateway: 'sandbox', mode: 'test' as const, reason: 'requested_by_customer', requested_by: 'key_1', gateway_refund_id: null, gateway_code: null, late_success_id: null,
};
// src/db/refund-outcomes.ts appendRefundedEvent
const refunded = { refund_id: 'ref_1', customer_id: 'cus_1', amount: 1815, refund_amount: 500, refunded_amount: 500, currency: 'PLN', full: false };
// src/activities/temporary-payments.ts temporaryPaymentJsonPayload
const temporary = {
  temporary_payment_id: 'tmp_1', payment_id: 'pay_1', customer_id: 'cus_1', amount: 1815, currency: 'PLN', reference: 'VS00001234',
  status: 'open' as const, settled_reason: null, expires_at: at, bank_line_id: null,
};
// src/activities/subscriptions.ts attemptEvent (+ subscription_id from writeState / recordChargeOutcome)
const charge = {
  subscription_id: 'sub_1', period: 3, attempt: 0, amount: 2500, currency: 'EUR', gateway_code: '00', gateway_message: 'Approved',
  gateway_transaction_id: 'sbx_tx_2', mode: 'test' as const,
};
// src/activities/payment-conversion.ts conversionJson: 18.15 EUR of a PLN customer at the ECB's 2024-06-28 rate
const conversion = {
  billing_currency: 'PLN', booking_day: '2024-06-28', status: 'converted' as const, rate: '4.3090', rate_date: '2024-06-28', source: 'ecb' as const,
  method: 'direct' as const, converted_amount: 7821, reason: null,
};
const endpoint = { endpoint_id: 'we_1', url: 'https://billing.example.com/hooks', event_types: ['*'], enabled: true };

export const EVENT_SAMPLES: Samples = {
  'payment.created': { aggregate: 'payment', payload: { payment_id: 'pay_1', customer_id: 'cus_1', amount: 1815, currency: 'PLN', gateway: 'sandbox', mode: 'test', reference: 'VS00001234', credited_amount: 1800, commission: 15 } },
  'payment.succeeded': { aggregate: 'payment', payload: { ...payment, currency: 'EUR', status: 'succeeded', conversion } },
  'payment.failed': { aggregate: 'payment', payload: { ...payment, status: 'failed', gateway_code: '51' } },
  'payment.expired': { aggregate: 'payment', payload: { ...payment, status: 'expired', gateway_code: 'expired', gateway_transaction_id: null } },
  'payment.canceled': { aggregate: 'payment', payload: { ...payment, status: 'canceled', gateway_code: 'canceled', canceled_by: 'key_1', reason: null, request_id: 'req_1' } },
  'payment.late_success': {
    aggregate: 'payment',
    payload: { ...payment, status: 'expired', action: 'refunded', late_success_id: 'late_1', late_amount: 1815, refund_id: 'ref_1', late_gateway_transaction_id: 'sbx_tx_3', late_code: '00' },
  },
  'payment.refunded': { aggregate: 'payment', payload: { payment_id: 'pay_1', ...refunded } },
  'charge_attempt.refunded': { aggregate: 'charge_attempt', payload: { charge_attempt_id: '42', subscription_id: 'sub_1', ...refunded } },
  'payment.disputed': { aggregate: 'payment', payload: { ...dispute, status: 'open' } },
  'payment.dispute_closed': { aggregate: 'subscription', payload: { ...dispute, payment_id: null, charge_attempt_id: '42', subscription_id: 'sub_1', outcome: 'lost', subscription_action: 'stop' } },
  'refund.created': { aggregate: 'refund', payload: refund },
  'refund.succeeded': { aggregate: 'refund', payload: { ...refund, status: 'succeeded', gateway_refund_id: 'sbx_re_1', gateway_code: '00' } },
  'refund.failed': { aggregate: 'refund', payload: { ...refund, status: 'failed', gateway_code: 'failed_after_success', reversed: true } },
  'temporary_payment.created': { aggregate: 'temporary_payment', payload: { ...temporary, currency: 'EUR', conversion } },
  'temporary_payment.settled': { aggregate: 'temporary_payment', payload: { ...temporary, status: 'settled', settled_reason: 'bank', expires_at: null, bank_line_id: 'bl_1' } },
  'temporary_payment.bank_confirmed': { aggregate: 'temporary_payment', payload: { ...temporary, status: 'settled', settled_reason: 'bank', expires_at: null, bank_line_id: 'bl_1' } },
  'temporary_payment.unsettled': { aggregate: 'temporary_payment', payload: temporary },
  'subscription.created': {
    aggregate: 'subscription',
    payload: {
      subscription_id: 'sub_1', customer_id: 'cus_1', amount: 2500, currency: 'EUR', schedule: { kind: 'monthly', day: 1 }, mode: 'test',
      period: 0, periods_paid: 0, first_payment_id: null, next_charge_at: at,
    },
  },
  'subscription.charged': { aggregate: 'subscription', payload: { ...charge, outcome: 'success' } },
  'subscription.charge_failed': { aggregate: 'subscription', payload: { ...charge, outcome: 'soft_decline', gateway_code: '51', gateway_message: 'Insufficient funds', gateway_transaction_id: null } },
  'subscription.past_due': { aggregate: 'subscription', payload: { subscription_id: 'sub_1', period: 3, retry_at: at, gateway_code: '51' } },
  'subscription.recovered': { aggregate: 'subscription', payload: { subscription_id: 'sub_1', period: 3, attempts: 2 } },
  'subscription.stopped': { aggregate: 'subscription', payload: { subscription_id: 'sub_1', by: 'system', reason: 'hard_decline', detail: '54 Expired card' } },
  'subscription.reactivated': { aggregate: 'subscription', payload: { subscription_id: 'sub_1', by: 'user', next_charge_at: at } },
  'subscription.updated': { aggregate: 'subscription', payload: { subscription_id: 'sub_1', amount: 3000, effective_from_period: 4 } },
  'subscription.charge_skipped': { aggregate: 'subscription', payload: { subscription_id: 'sub_1', period: 3, amount: 99_999_999, reason: 'above the maximum amount' } },
  'subscription.action_required': {
    aggregate: 'subscription',
    payload: {
      subscription_id: 'sub_1', period: 3, amount: 2500, currency: 'EUR', gateway_code: 'authentication_required', payment_link_id: 'pl_1',
      payment_link_url: 'https://pay.example.com/pay/tok', expires_at: at,
    },
  },
  'card.expiring': { aggregate: 'subscription', payload: { subscription_id: 'sub_1', customer_id: 'cus_1', expires: '2027-01', next_charge_at: at } },
  'webhook_endpoint.created': { aggregate: 'webhook_endpoint', payload: endpoint },
  'webhook_endpoint.updated': { aggregate: 'webhook_endpoint', payload: { ...endpoint, event_types: ['payment.succeeded'] } },
  'webhook_endpoint.deleted': { aggregate: 'webhook_endpoint', payload: endpoint },
  'webhook_endpoint.secret_rotated': { aggregate: 'webhook_endpoint', payload: endpoint },
  'webhook_endpoint.disabled': { aggregate: 'webhook_endpoint', payload: { endpoint_id: 'we_1', url: endpoint.url, reason: 'gone', failing_since: null, disabled_at: at } },
  'bank_statement.imported': {
    aggregate: 'bank_statement',
    payload: { statement_id: 'bst_1', format: 'camt.053', file_name: 'statement.xml', lines: 6, outcomes: { matched: 2, amount_mismatch: 1, no_reference: 1, not_found: 1, duplicate: 0, ignored: 1 } },
  },
};
