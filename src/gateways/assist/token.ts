/**
 * A stored Assist payment method is only the bill number of the first successful payment (the
 * Uniteller seed: "only a reference to the successful payment" is kept, never card data); rp.cfm
 * charges the card that paid it.
 */
const PREFIX = 'assist_bill:';

export function tokenOf(billnumber: string): string {
  return `${PREFIX}${billnumber}`;
}

/** The first payment's bill number, or undefined for a token that is not Assist's. */
export function billnumberOf(token: string): string | undefined {
  const bill = token.startsWith(PREFIX) ? token.slice(PREFIX.length) : '';
  return /^\d{1,20}(\.\d{1,4})?$/.test(bill) ? bill : undefined;
}
