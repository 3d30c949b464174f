/**
 * A stored Stripe payment method, as Tollgate keeps it (subscriptions' token): `cus_…/pm_…`, the
 * Customer the card is attached to and the PaymentMethod. An off-session PaymentIntent needs both
 * (https://docs.stripe.com/payments/save-during-payment#charge-saved-payment-method). Neither
 * part is card data.
 */
export interface StripeToken {
  customer: string;
  paymentMethod: string;
}

const TOKEN = /^(cus_[A-Za-z0-9]{1,100})\/(pm_[A-Za-z0-9]{1,100})$/;

export function formatToken(t: StripeToken): string {
  return `${t.customer}/${t.paymentMethod}`;
}

export function parseToken(token: string): StripeToken | undefined {
  const m = TOKEN.exec(token);
  return m ? { customer: m[1] ?? '', paymentMethod: m[2] ?? '' } : undefined;
}

/** The token of an intent that saved its card for off-session use, if it did. */
export function tokenOfIntent(intent: { setup_future_usage?: string | null; customer?: unknown; payment_method?: unknown }): string | undefined {
  if (intent.setup_future_usage !== 'off_session') return undefined;
  const customer = idOf(intent.customer);
  const paymentMethod = idOf(intent.payment_method);
  if (!customer || !paymentMethod) return undefined;
  const token = formatToken({ customer, paymentMethod });
  return parseToken(token) ? token : undefined;
}

/** An expandable Stripe field: its id whether it came as a string or as the object. */
export function idOf(field: unknown): string | undefined {
  if (typeof field === 'string') return field;
  if (field && typeof field === 'object' && 'id' in field && typeof field.id === 'string') return field.id;
  return undefined;
}
