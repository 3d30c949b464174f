import { randomUUID } from 'node:crypto';
import type { TestStack } from './stack.js';

/** A new customer with a unique external_ref, created over the API. */
export async function createCustomer(stack: TestStack): Promise<{ id: string; external_ref: string }> {
  const res = await stack.request('POST', '/v1/customers', {
    body: { external_ref: `ext-${randomUUID()}`, name: 'Jan Kowalski', email: 'jan@example.com' },
  });
  if (res.status !== 201) throw new Error(`customer create failed: ${res.status} ${res.text}`);
  return res.json as { id: string; external_ref: string };
}

export async function createPayment(
  stack: TestStack,
  customerId: string,
  extra: Record<string, unknown> = {},
): Promise<{ id: string; reference: string; checkout_url: string; status: string }> {
  const res = await stack.request('POST', '/v1/payments', {
    body: { customer_id: customerId, amount: 1815, currency: 'PLN', gateway: 'sandbox', description: 'Internet, November', expires_in: 'PT30M', ...extra },
  });
  if (res.status !== 201) throw new Error(`payment create failed: ${res.status} ${res.text}`);
  return res.json as { id: string; reference: string; checkout_url: string; status: string };
}
