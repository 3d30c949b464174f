import { randomUUID } from 'node:crypto';
import { createPayment } from '../../src/api/payments/create-payment.js';
import type { AppDeps } from '../../src/api/env.js';
import { webhookHeaders } from '../../src/gateways/standard-webhooks.js';
import { inBatches } from '../lib/table.js';
import type { Shot } from './load.js';

/**
 * Pending sandbox payments made by the production service (row, payment.created event and a
 * started `payment:<id>` workflow, one transaction each), as POST /v1/payments makes them.
 */
export async function pendingPayments(deps: AppDeps, count: number, concurrency = 16): Promise<string[]> {
  const customer = `cus_bench_${randomUUID()}`;
  await deps.pool.query({ text: `INSERT INTO customers (id, external_ref, name) VALUES ($1, $1, 'Bench')`, values: [customer] });
  const ids: string[] = [];
  await inBatches(Array.from({ length: count }, (_, i) => i), concurrency, async () => {
    const row = await createPayment(deps, { customerId: customer, amountMinor: 1815n, currency: 'PLN', gateway: 'sandbox', description: 'bench:callbacks' });
    ids.push(row.id);
  });
  return ids;
}

/**
 * A success callback per payment, signed now as the sandbox signs them (Standard Webhooks, see
 * src/gateways/standard-webhooks.ts), each with its own message id — so every one is a first
 * delivery that the endpoint journals, checks, accepts and signals.
 */
export function signedSuccesses(secret: string, paymentIds: string[]): Shot[] {
  const now = Math.floor(Date.now() / 1000);
  return paymentIds.map((id) => {
    const body = JSON.stringify({ type: 'payment.succeeded', data: { payment_id: id, transaction_id: `t-${randomUUID()}`, code: '00' } });
    return { body, headers: webhookHeaders(secret, `msg_${randomUUID()}`, now, body) };
  });
}
