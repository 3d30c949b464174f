import { createHash } from 'node:crypto';

/**
 * The simulator's own books, written from Assist's published documentation (see
 * src/gateways/assist/checkvalue.ts for where each formula is documented). Its check values are
 * computed here again, not by the adapter's code, so an adapter that gets a formula wrong is refused.
 */
export interface SimMerchant {
  merchantId: string;
  login: string;
  password: string;
  salt: string;
  /** The test server's accounts send testmode=1. */
  testmode: boolean;
  /** The Result URL Assist would have in the merchant's account; set once the stack is up. */
  notifyUrl?: string;
}

export interface SimOrder {
  merchantId: string;
  orderNumber: string;
  billnumber: string;
  /** As Assist writes amounts: two decimals. */
  amount: string;
  currency: string;
  state: 'In Process' | 'Approved' | 'Declined' | 'PartialCanceled' | 'Canceled';
  /** Cents given back by cancel.cfm so far. */
  canceledCents?: bigint;
  responsecode: string;
  message: string;
  returnOk?: string;
  returnNo?: string;
  /** A first payment's recurring terms (RecurringIndicator=1). */
  recurring?: { min: string; max: string; period: string; maxDate: string };
  /** A recurring order's first payment. */
  parentBill?: string;
  /** When the order was made (now when unset): orderstate.cfm lists only orders made since its start date. */
  createdAt?: Date;
}

export const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');
/** uppercase(md5(uppercase(md5(SALT) + md5(X)))), X the fields joined without delimiters. */
export const simCheckvalue = (salt: string, fields: string[]) => md5((md5(salt) + md5(fields.join(''))).toUpperCase()).toUpperCase();

/** Two-decimal amounts compared as whole cents, by string arithmetic. */
export function cents(amount: string): bigint | undefined {
  const m = /^(\d{1,13})(?:[.,](\d{1,2}))?$/.exec(amount);
  return m ? BigInt(m[1] ?? '0') * 100n + BigInt((m[2] ?? '').padEnd(2, '0') || '0') : undefined;
}

/** Two-decimal text of whole cents. */
export const amountOfCents = (c: bigint) => `${c / 100n}.${(c % 100n).toString().padStart(2, '0')}`;

/** One cancellation or refund cancel.cfm made: money given back. */
export interface SimCancel {
  billnumber: string;
  orderNumber: string;
  amount: string;
  /** The operation's extended bill number (billnumber.N). */
  operationBill: string;
}

export class SimBooks {
  readonly orders: SimOrder[] = [];
  /** Every cancellation made, in order: the books of money given back. */
  readonly cancels: SimCancel[] = [];
  private nextBill = 1_000_000_000_000_000n;

  constructor(readonly merchants: SimMerchant[]) {}

  merchant(id: string | undefined): SimMerchant | undefined {
    return this.merchants.find((m) => m.merchantId === id);
  }

  /** A web-service caller's account, by Merchant_ID, Login and Password together. */
  authenticated(f: Record<string, string>): SimMerchant | undefined {
    const m = this.merchant(f.merchant_id);
    return m && m.login === f.login && m.password === f.password ? m : undefined;
  }

  newBill(): string {
    this.nextBill += 7n;
    return this.nextBill.toString();
  }

  byOrderNumber(merchantId: string, orderNumber: string): SimOrder[] {
    return this.orders.filter((o) => o.merchantId === merchantId && o.orderNumber === orderNumber);
  }

  byBill(bill: string): SimOrder | undefined {
    return this.orders.find((o) => o.billnumber === bill);
  }

  /** Money the simulator took: every approved order (first payments and recurring charges). */
  approved(): SimOrder[] {
    return this.orders.filter((o) => o.state === 'Approved');
  }
}
