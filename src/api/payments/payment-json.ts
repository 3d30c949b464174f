import { toJsonMinor } from '../../domain/money.js';
import type { PaymentRow } from '../../db/payments.js';
import type { Payment } from './payments.routes.js';

export function paymentJson(row: PaymentRow): Payment {
  return {
    id: row.id,
    customer_id: row.customer_id,
    status: row.status,
    amount: toJsonMinor(row.amount_minor),
    currency: row.currency,
    gateway: row.gateway,
    mode: row.mode,
    description: row.description,
    reference: row.reference,
    checkout_url: row.status === 'pending' ? row.checkout_url : null,
    settlement: row.settlement,
    expires_at: row.expires_at.toISOString(),
    created_at: row.created_at.toISOString(),
    completed_at: row.completed_at?.toISOString() ?? null,
    gateway_transaction_id: row.gateway_transaction_id,
    gateway_code: row.gateway_code,
    gateway_message: row.gateway_message,
    refunded_amount: toJsonMinor(row.refunded_minor),
    credited_amount: toJsonMinor(row.credited_minor),
    commission: toJsonMinor(row.commission_minor),
  };
}
