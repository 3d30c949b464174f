import type { LateSuccessRow } from '../../db/late-success.js';
import type { RefundRow } from '../../db/refunds.js';
import { toJsonMinor } from '../../domain/money.js';
import type { ManualInstructions, Refund } from './refunds.routes.js';

export function refundJson(r: RefundRow): Refund {
  return {
    id: r.id,
    payment_id: r.payment_id,
    charge_attempt_id: r.charge_attempt_id?.toString() ?? null,
    customer_id: r.customer_id,
    gateway: r.gateway,
    mode: r.mode,
    amount: toJsonMinor(r.amount_minor),
    currency: r.currency,
    reason: r.reason,
    status: r.status,
    gateway_refund_id: r.gateway_refund_id,
    gateway_code: r.gateway_code,
    gateway_message: r.gateway_message,
    manual_instructions: r.manual_instructions as ManualInstructions | null,
    requested_by: r.requested_by,
    confirmed_by: r.confirmed_by,
    late_success_id: r.late_success_id,
    created_at: r.created_at.toISOString(),
    completed_at: r.completed_at?.toISOString() ?? null,
  };
}

export function lateSuccessJson(r: LateSuccessRow & { refund_status: string | null }) {
  return {
    id: r.id,
    payment_id: r.payment_id,
    customer_id: r.customer_id,
    gateway: r.gateway,
    amount: toJsonMinor(r.amount_minor),
    currency: r.currency,
    gateway_transaction_id: r.gateway_transaction_id,
    payment_status: r.payment_status,
    action: r.action,
    refund_id: r.refund_id,
    refund_status: r.refund_status as Refund['status'] | null,
    created_at: r.created_at.toISOString(),
  };
}
