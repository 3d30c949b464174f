import { formatDecimal } from '../domain/money.js';
import type { GatewaySettings } from './settings.js';

/**
 * Whether a gateway takes an amount, as one rule for every caller: the API before it asks a
 * workflow for a charge, and the charge activity before it calls the gateway (so an amount hook's
 * answer or a gateway whose limits changed since is checked too). Undefined when it does.
 */
export function recurringChargeProblem(s: GatewaySettings, amountMinor: bigint, currency: string): string | undefined {
  if (!s.recurring) return `gateway "${s.name}" takes no recurring charges (no recurring.enabled in the gateways file)`;
  return limitsProblem(s.name, 'recurring charges', s.recurring.minAmount, s.recurring.maxAmount, s.currencies, amountMinor, currency);
}

/** The same rule for a one-time payment (pay page, POST /v1/payments). */
export function oneTimePaymentProblem(s: GatewaySettings, amountMinor: bigint, currency: string): string | undefined {
  return limitsProblem(s.name, 'payments', s.minAmount, s.maxAmount, s.currencies, amountMinor, currency);
}

function limitsProblem(
  gateway: string,
  what: string,
  min: bigint,
  max: bigint,
  currencies: string[] | null,
  amountMinor: bigint,
  currency: string,
): string | undefined {
  if (currencies !== null && !currencies.includes(currency)) return `gateway "${gateway}" takes ${what} in ${currencies.join('/')} only, not ${currency}`;
  if (amountMinor < min || amountMinor > max) {
    const range = `${formatDecimal({ minor: min, currency })}–${formatDecimal({ minor: max, currency })} ${currency}`;
    return `gateway "${gateway}" takes ${what} of ${range}; ${formatDecimal({ minor: amountMinor, currency })} ${currency} is outside`;
  }
  return undefined;
}
