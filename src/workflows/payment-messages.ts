import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { GatewayOutcome, PaymentStatus } from '../domain/payment.js';

/** What `payment:<id>` is started with, answers and is told (src/workflows/payment.ts). */
export interface PaymentWorkflowInput {
  paymentId: string;
  /** ISO timestamp of the deadline. */
  expiresAt: string;
  /** Whether the gateway answers status queries (bank_transfer does not: a statement line decides). */
  pollStatus?: boolean;
  /** Settlement as the payment started with it; deferred opens a temporary payment on success. */
  settlement?: 'immediate' | 'deferred';
  /** The subscription period this payment pays (a payment link after SCA): told of a success. */
  recovers?: { subscriptionId: string; period: number };
}

export interface PaymentWorkflowState {
  paymentId: string;
  status: PaymentStatus;
  expiresAt: string;
  outcomeReceived: boolean;
  /** How the outcome arrived. */
  outcomeSource: 'callback' | 'status_query' | null;
  statusQueries: number;
  temporaryPaymentId: string | null;
}

/** The gateway's verdict, delivered by the callback endpoint, a statement match, or typed into the Temporal UI. */
export const gatewayOutcomeSignal = defineSignal<[GatewayOutcome]>('gatewayOutcome');
export const paymentStateQuery = defineQuery<PaymentWorkflowState>('state');

/** Who cancels a pending payment, and why (kept on the payment and its `payment.canceled` event). */
export interface CancelRequest {
  /** The API key id that asked. */
  by: string;
  reason?: string | undefined;
  /** The Idempotency-Key's request id, kept on the event so the key's retry can answer this cancel. */
  requestId?: string | undefined;
}

/**
 * Cancels a pending payment: answered once the payment's final status is written. A cancel that
 * arrives after the gateway's outcome was taken (or the deadline passed) changes nothing and
 * answers the status the payment got instead; the caller tells the two apart by `status`.
 */
export const cancelPaymentUpdate = defineUpdate<PaymentWorkflowState, [CancelRequest]>('cancel');
