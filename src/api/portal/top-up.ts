import type { TollgateEnv } from '../../config.js';
import { commissionMinor, hasCommission, sumOutOfBounds } from '../../domain/commission.js';
import { DomainError } from '../../domain/errors.js';
import { parseDecimal } from '../../domain/money.js';
import { gatewayAccepts } from '../../gateways/registry.js';
import type { GatewayRegistry } from '../../gateways/types.js';
import type { PortalSettings } from '../../portal/settings.js';
import { money, type Offer } from './portal-views.js';

/** The payer's sum in minor units, or the sentence shown next to the field. */
export function readSum(text: string, portal: PortalSettings): { sumMinor: bigint } | { error: string } {
  const bounds = `between ${money(portal.minSumMinor, portal.currency)} and ${money(portal.maxSumMinor, portal.currency)}`;
  if (!text.trim()) return { error: `Enter the sum to top up, ${bounds}` };
  let sumMinor: bigint;
  try {
    sumMinor = parseDecimal(text, portal.currency).minor;
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    return { error: `Enter the sum as a number such as ${money(portal.minSumMinor, portal.currency).split(' ')[0] ?? '10.00'}, ${bounds}` };
  }
  const out = sumOutOfBounds(sumMinor, portal.minSumMinor, portal.maxSumMinor);
  if (out === 'below_min') return { error: `The sum must be at least ${money(portal.minSumMinor, portal.currency)}` };
  if (out === 'above_max') return { error: `The sum must be at most ${money(portal.maxSumMinor, portal.currency)}` };
  return { sumMinor };
}

/**
 * What each of the portal's gateways would charge for this sum, in the portal's order: those that
 * are enabled, take the total (their own min/max) and, outside development, are live — the same
 * rule the payment-link page offers gateways by.
 */
export function offersFor(sumMinor: bigint, portal: PortalSettings, gateways: GatewayRegistry, env: TollgateEnv): Offer[] {
  const offers: Offer[] = [];
  for (const name of portal.gateways) {
    const g = gateways.get(name);
    if (!g || g.settings.adapter === 'bank_transfer' || (env !== 'development' && g.settings.mode !== 'live')) continue;
    const commission = g.settings.commission;
    const fee = commissionMinor(sumMinor, commission);
    const totalMinor = sumMinor + fee;
    if (!gatewayAccepts(g, totalMinor, portal.currency)) continue;
    offers.push({ gateway: g.name, label: g.settings.label, testMode: g.settings.mode === 'test', commissionMinor: hasCommission(commission) ? fee : null, totalMinor });
  }
  return offers;
}
