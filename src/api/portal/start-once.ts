import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { findCustomer } from '../../db/customers.js';
import { findPayment } from '../../db/payments.js';
import type { AppDeps } from '../env.js';
import { startCheckout } from '../payments/create-payment.js';

/**
 * The key a portal start is made once under: the confirm page's nonce and the gateway chosen.
 *
 * The gateway is part of it on purpose. What repeats a start by accident — a double-click on
 * "Pay", a reload of the start, browser Back and the same button again — repeats the same
 * button, so the same gateway: that is one payment. Another button on the same page is the payer
 * choosing another way to pay (say, after Back from a checkout they did not like); answering it
 * with the first gateway's checkout would send them somewhere they did not choose. It is a new
 * payment; the first one stays pending, takes nothing unless its own checkout is completed, and
 * expires at its deadline.
 */
export function startKeyOf(nonce: string, gateway: string): string {
  return createHash('sha256').update('tollgate portal start v1\u0000').update(nonce).update('\u0000').update(gateway).digest('hex');
}

/** Thrown inside the payment's transaction when another start holds the key: rolls it back before any payment or workflow exists. */
export class RepeatedStart extends Error {
  constructor() {
    super('this portal start key already started a payment');
    this.name = 'RepeatedStart';
  }
}

/** How long a repeat waits for the first start to record its checkout (it does so right after its commit). */
const CHECKOUT_WAIT_MS = 5_000;
const POLL_MS = 100;

/**
 * Where a repeated start sends the payer: the same payment's checkout while it is pending, as the
 * first start did, else its result page (paid, failed with Try again, expired). A repeat that
 * raced the first usually finds the payment committed but its checkout not yet recorded: it waits
 * for it a moment; if none comes (the first's gateway call failed or hangs), it starts the
 * checkout itself, which a gateway answers with the same session for the same payment (keyed by
 * the payment id). A DomainError from the gateway reaches the caller, as for a first start.
 */
export async function repeatedStartLocation(deps: Pick<AppDeps, 'pool' | 'gateways' | 'config'>, paymentId: string): Promise<string> {
  const deadline = Date.now() + CHECKOUT_WAIT_MS;
  for (;;) {
    const row = await findPayment(deps.pool, paymentId);
    if (!row) throw new Error(`portal start names payment ${paymentId}, which does not exist`);
    // The page its checkout returns to, as the first start set it.
    const resultUrl = row.return_url ?? `${deps.config.publicBaseUrl}/pay/result/${encodeURIComponent(paymentId)}`;
    if (row.status !== 'pending') return resultUrl;
    if (row.checkout_url) return row.checkout_url;
    if (Date.now() >= deadline) {
      const gateway = deps.gateways.get(row.gateway);
      if (!gateway) return resultUrl;
      const customer = await findCustomer(deps.pool, row.customer_id);
      const started = await startCheckout(deps, gateway, row, customer ? { customer: { id: customer.id, email: customer.email } } : {});
      return started.checkout_url ?? resultUrl;
    }
    await sleep(POLL_MS);
  }
}
