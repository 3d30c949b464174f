import { z } from 'zod';
import { parseIsoDurationMs } from '../domain/duration.js';
import { IdentificationSettings } from '../identification/settings.js';

/**
 * The top-up portal (ABillS Paysys "interactive mode": paysys_check.cgi opened without parameters
 * lets a payer top up an account without logging in), as written under `portal:` in the gateways
 * file. Sums are minor units of `currency`, like the gateways' min_amount.
 */
export const PortalFileEntry = z
  .object({
    enabled: z.boolean().default(true),
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 currency code'),
    /** `PAYSYS_MIN_SUM` / `PAYSYS_MAX_SUM`: the least and the most one top-up may credit. */
    min_sum: z.number().int().min(1).default(1),
    max_sum: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).default(Number.MAX_SAFE_INTEGER),
    /** The gateways the payer may choose, in this order: each enabled, taking `currency`, not a bank transfer. */
    gateways: z.array(z.string()).min(1),
    identification: IdentificationSettings.prefault({}),
    /**
     * Lookups per client address within `window` (the journal counts them, so the limit holds
     * across API processes); one more is answered 429 with Retry-After.
     */
    rate_limit: z
      .object({
        lookups: z.number().int().min(1).max(10_000).default(10),
        window: z
          .string()
          .refine((s) => {
            try {
              const ms = parseIsoDurationMs(s);
              return ms >= 1000 && ms <= 86_400_000;
            } catch {
              return false;
            }
          }, 'an ISO 8601 duration from PT1S to P1D')
          .default('PT10M'),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((p) => p.min_sum <= p.max_sum, { message: 'min_sum must not exceed max_sum', path: ['min_sum'] })
  .refine((p) => new Set(p.gateways).size === p.gateways.length, { message: 'a gateway is listed twice', path: ['gateways'] });
export type PortalFileEntry = z.infer<typeof PortalFileEntry>;

/** The portal as the API sees it. */
export interface PortalSettings {
  enabled: boolean;
  currency: string;
  minSumMinor: bigint;
  maxSumMinor: bigint;
  gateways: string[];
  identification: IdentificationSettings;
  rateLimit: { lookups: number; windowMs: number };
}

export function portalSettings(p: PortalFileEntry): PortalSettings {
  return {
    enabled: p.enabled,
    currency: p.currency,
    minSumMinor: BigInt(p.min_sum),
    maxSumMinor: BigInt(p.max_sum),
    gateways: p.gateways,
    identification: p.identification,
    rateLimit: { lookups: p.rate_limit.lookups, windowMs: parseIsoDurationMs(p.rate_limit.window) },
  };
}

/** Why a gateway of the file cannot be offered on the portal, or undefined when it can. */
export function portalGatewayProblem(
  g: { adapter: string; enabled: boolean; currencies?: string[] | undefined } | undefined,
  currency: string,
): string | undefined {
  if (!g) return 'is not in gateways';
  if (!g.enabled) return 'is not enabled';
  if (g.currencies && !g.currencies.includes(currency)) return `does not take ${currency}`;
  // A transfer's page (the account and reference to write) is not part of the portal's flow.
  if (g.adapter === 'bank_transfer') return 'is a bank transfer, which the portal does not offer';
  return undefined;
}
