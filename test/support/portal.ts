import { randomInt, randomUUID } from 'node:crypto';
import { sandboxEntry, writeGatewaysFile } from './gateways-file.js';
import type { TestStack } from './stack.js';

/**
 * A stack's gateways file with the top-up portal: `sandbox` with a commission of 0.30 + 2.5 %,
 * `card_plain` (sandbox) with none; PLN 5.00–1000.00; found by contract or login.
 */
export function portalGatewaysFile(rateLimit = { lookups: 50, window: 'PT10M' }): string {
  return writeGatewaysFile(
    [
      sandboxEntry({ label: 'Card (sandbox)', commission: { fixed: 30, percent: '2.5' } }),
      sandboxEntry({ name: 'card_plain', label: 'Card, no fee (sandbox)' }),
    ],
    { portal: { currency: 'PLN', min_sum: 500, max_sum: 100_000, gateways: ['sandbox', 'card_plain'], identification: { identifiers: ['contract', 'login'] }, rate_limit: rateLimit } },
  );
}

/** The stack's environment for the portal: its file, and 127.0.0.1 as a trusted proxy so each test sends its own client address. */
export const portalEnv = (file: string) => ({ TOLLGATE_GATEWAYS_FILE: file, TRUSTED_PROXIES: '127.0.0.1' });

/** A client address of its own, so tests sharing the database never share a rate limit. */
export function clientAddress(): string {
  return `10.${randomInt(0, 256)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
}

/** A customer with a contract number and a pushed balance (negative: debt), through the real API. */
export async function portalCustomer(stack: TestStack, balance = '-25.50'): Promise<{ id: string; contract: string; login: string }> {
  const ref = `ext-${randomUUID()}`;
  const created = await stack.request('POST', '/v1/customers', { body: { external_ref: ref, name: 'Jan Kowalski', email: 'jan@example.com' } });
  if (created.status !== 201) throw new Error(`customer: ${created.status} ${created.text}`);
  const id = created.json.id as string;
  const contract = `C-${randomUUID().slice(0, 8)}`;
  const login = `jan-${randomUUID().slice(0, 8)}`;
  const ids = await stack.request('PUT', `/v1/customers/${id}/identifiers`, { body: { contract, login } });
  if (ids.status !== 200) throw new Error(`identifiers: ${ids.status} ${ids.text}`);
  const bal = await stack.request('PUT', `/v1/customers/${id}/balance`, { body: { balance, currency: 'PLN', active: true } });
  if (bal.status !== 200) throw new Error(`balance: ${bal.status} ${bal.text}`);
  return { id, contract, login };
}

/** The sealed form field of a portal page. */
export function formField(html: string): string {
  const m = /name="form" value="([^"]+)"/.exec(html);
  if (!m?.[1]) throw new Error(`no form field in:\n${html}`);
  return m[1];
}
