import { z } from 'zod';
import { parseIsoDurationMs } from '../domain/duration.js';
import { LATE_SUCCESS_POLICIES, type LateSuccessPolicy } from '../domain/refund.js';
import { isValidCidr } from './cidr.js';
import { type Commission, percentProblem } from '../domain/commission.js';
import { PortalFileEntry, portalGatewayProblem } from '../portal/settings.js';

/**
 * One gateway's configuration, as read from the gateways file (config/gateways.yaml by default,
 * TOLLGATE_GATEWAYS_FILE otherwise). Secrets are never written in the file: each names the
 * environment variable that holds it, optionally with a development default.
 */
export const GATEWAY_ADAPTERS = ['sandbox', 'bank_transfer', 'stripe', 'uniteller', 'assist'] as const;
export type GatewayAdapter = (typeof GATEWAY_ADAPTERS)[number];
export const SETTLEMENTS = ['immediate', 'deferred'] as const;
export type Settlement = (typeof SETTLEMENTS)[number];
export const GATEWAY_MODES = ['test', 'live'] as const;
export type GatewayMode = (typeof GATEWAY_MODES)[number];

const EnvName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name');
/** Test mode may carry a development default; a live secret only ever comes from the environment. */
const TestSecretRef = z.object({ env: EnvName, default: z.string().min(1).optional() }).strict();
const LiveSecretRef = z.object({ env: EnvName }).strict();

/**
 * uniteller: the shop (Uniteller Point) per mode, the results login and its password by
 * environment variable, and where Uniteller is (its own hosts unless a development simulator).
 * Test and live are Uniteller's two systems (test.wpay.uniteller.ru and wpay.uniteller.ru), each
 * with its own shop and passwords.
 */
const PerMode = <T extends z.ZodTypeAny>(t: T) => z.object({ test: t.optional(), live: t.optional() }).strict();
const UnitellerFileBlock = z
  .object({
    shop_idp: PerMode(z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'a Uniteller Point id (Shop_IDP)')),
    login: PerMode(z.string().min(1).max(64)),
    /** The Login's password for the results request (not the signing password, which is `secrets`). */
    api_passwords: z.object({ test: TestSecretRef.optional(), live: LiveSecretRef.optional() }).strict(),
    /** Another base than Uniteller's own per mode (a simulator); refused in production. */
    endpoints: PerMode(z.string().url().refine((u) => /^https?:$/.test(new URL(u).protocol), 'an http(s) URL')).optional(),
    /**
     * The shop's acquirer takes partial and repeated cancellations (manual v1.43 rev. 48, 4.5.1:
     * a few acquirers only); off, a refund is the whole order, once.
     */
    partial_refunds: z.boolean().default(false),
  })
  .strict();

const Cidr = z.string().refine(isValidCidr, 'an IP address or CIDR block such as 10.0.0.0/8');

const IsoDuration = z.string().refine((s) => {
  try {
    const ms = parseIsoDurationMs(s);
    return ms > 0 && ms <= 3650 * 86_400_000; // ten years at most, like day counts
  } catch {
    return false;
  }
}, 'an ISO 8601 duration such as PT1H or P14D, at most ten years');

const HttpUrl = z.string().url().refine((u) => /^https?:$/.test(new URL(u).protocol), 'an http(s) URL');

/**
 * The assist adapter's block. Assist's test and production servers are separate merchant accounts
 * (their own Merchant_ID, web-service login and password, and secret word), so each is given per
 * mode, by environment variable like `secrets`. `api_bases` replaces Assist's servers (a simulator),
 * development only.
 */
const AssistFileBlock = z
  .object({
    merchant_ids: z.object({ test: TestSecretRef.optional(), live: LiveSecretRef.optional() }).strict(),
    logins: z.object({ test: TestSecretRef.optional(), live: LiveSecretRef.optional() }).strict(),
    passwords: z.object({ test: TestSecretRef.optional(), live: LiveSecretRef.optional() }).strict(),
    api_bases: z.object({ test: HttpUrl.optional(), live: HttpUrl.optional() }).strict().optional(),
    /** RecurringPeriod sent with a first payment that saves the card: days, 31 meaning one calendar month (the Assist seed). */
    recurring_period_days: z.number().int().min(1).max(3650).default(31),
    /** RecurringMaxDate: how many days after the first payment Assist may still take recurring charges. */
    recurring_max_days: z.number().int().min(1).max(3650).default(1826),
  })
  .strict();

export const GatewayFileEntry = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]{0,49}$/, 'lower-case letters, digits and _'),
    adapter: z.enum(GATEWAY_ADAPTERS),
    label: z.string().max(100).optional(),
    /** false: no new payments or subscriptions, but payments in flight still get callbacks and status queries. */
    enabled: z.boolean().default(true),
    mode: z.enum(GATEWAY_MODES).default('test'),
    settlement: z.enum(SETTLEMENTS).default('immediate'),
    /**
     * How long a temporary payment stays open before it settles by itself (deferred only): days, an
     * ISO 8601 duration (PT10M, for a demo), or "never".
     */
    payment_expiration: z.union([z.number().int().min(1).max(3650), z.literal('never'), IsoDuration]).default(5),
    /** The callback secret per mode (stripe: the webhook signing secret, whsec_…); only the mode in use must be resolvable. */
    secrets: z.object({ test: TestSecretRef.optional(), live: LiveSecretRef.optional() }).strict().default({}),
    /** Addresses callbacks may come from; empty means any. */
    callback_allowlist: z.array(Cidr).default([]),
    min_amount: z.number().int().min(1).default(1),
    max_amount: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).default(Number.MAX_SAFE_INTEGER),
    currencies: z.array(z.string().regex(/^[A-Z]{3}$/)).optional(),
    /**
     * Merchant-initiated charges of stored payment methods (subscriptions). Absent = forbidden (the
     * Assist rule: "if there are no settings, recurring payments are forbidden"). Its min/max narrow
     * the gateway's own; every recurring charge must pass both.
     */
    recurring: z
      .object({
        enabled: z.boolean(),
        min_amount: z.number().int().min(1).optional(),
        max_amount: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
      })
      .strict()
      .optional(),
    /** How long a payment through this gateway waits for its outcome. */
    payment_ttl: IsoDuration.default('PT1H'),
    /** stripe: the secret API key per mode (sk_test_… / sk_live_…), by environment variable like `secrets`. */
    api_keys: z.object({ test: TestSecretRef.optional(), live: LiveSecretRef.optional() }).strict().optional(),
    /** stripe: where its API is, when not Stripe's own (a local stripe-mock; refused in production). */
    api_base: z.string().url().refine((u) => /^https?:$/.test(new URL(u).protocol), 'an http(s) URL').optional(),
    /**
     * What a lost dispute (chargeback) of a subscription's charge does to the subscription:
     * stop_subscription (system_stopped, reason disputed) or keep_subscription (it charges on).
     */
    on_lost_dispute: z.enum(['stop_subscription', 'keep_subscription']).default('stop_subscription'),
    /**
     * A success that reaches a payment after it expired or was canceled: `refund` it automatically
     * (the default for card gateways) or `keep` it for the billing system to credit (the default
     * for the others). `refund` needs a gateway that refunds by itself.
     */
    late_success: z.enum(LATE_SUCCESS_POLICIES).optional(),
    /** uniteller: its own settings (the signing password per mode is `secrets`). */
    uniteller: UnitellerFileBlock.optional(),
    /** assist: its own settings (src/gateways/assist/); the secret word (salt) per mode is `secrets`. */
    assist: AssistFileBlock.optional(),
    /**
     * The top-up portal's commission on this gateway: a fixed fee (minor units) and/or a percentage
     * as a decimal string ("2.5"); the payer pays sum + commission (src/domain/commission.ts).
     */
    commission: z
      .object({
        fixed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
        percent: z.string().superRefine((s, ctx) => {
          const problem = percentProblem(s);
          if (problem) ctx.addIssue({ code: 'custom', message: `percent must be ${problem}` });
        }).default('0'),
      })
      .strict()
      .optional(),
    /** bank_transfer: where the payer sends the money. */
    account: z.object({ iban: z.string().min(5), holder: z.string().min(1), bic: z.string().optional() }).strict().optional(),
  })
  .strict()
  .refine((g) => g.min_amount <= g.max_amount, { message: 'min_amount must not exceed max_amount', path: ['min_amount'] })
  .refine((g) => (g.recurring?.min_amount ?? 1) <= (g.recurring?.max_amount ?? Number.MAX_SAFE_INTEGER), {
    message: 'recurring.min_amount must not exceed recurring.max_amount',
    path: ['recurring', 'min_amount'],
  })
  .refine((g) => g.adapter !== 'bank_transfer' || !g.recurring?.enabled, { message: 'a bank transfer cannot be charged by the merchant', path: ['recurring', 'enabled'] })
  .refine((g) => g.adapter !== 'stripe' || g.api_keys !== undefined, { message: 'a stripe gateway needs api_keys (its secret key per mode)', path: ['api_keys'] })
  .refine((g) => g.adapter === 'stripe' || (g.api_keys === undefined && g.api_base === undefined), { message: 'api_keys and api_base are for the stripe adapter only', path: ['adapter'] })
  .refine((g) => (g.adapter === 'uniteller') === (g.uniteller !== undefined), { message: 'the uniteller block is for (and needed by) the uniteller adapter', path: ['uniteller'] })
  .refine((g) => (g.adapter === 'assist') === (g.assist !== undefined), { message: 'an assist gateway needs its assist block, and only an assist gateway has one', path: ['assist'] })
  .refine((g) => g.adapter !== 'bank_transfer' || g.late_success !== 'refund', {
    message: 'bank_transfer cannot refund by itself (a person pays its refunds back); use late_success: keep',
    path: ['late_success'],
  })
  .refine((g) => g.adapter !== 'bank_transfer' || g.account !== undefined, { message: 'bank_transfer needs an account', path: ['account'] })
  // The bank statement is what settles a transfer: deferring it to a second line would never end.
  .refine((g) => g.adapter !== 'bank_transfer' || g.settlement === 'immediate', { message: 'bank_transfer settles from the statement itself; use settlement: immediate', path: ['settlement'] })
  // A deferred gateway's temporary payment counts the payment's whole amount at once: with a
  // commission inside it, the customer would be credited the commission too.
  .refine((g) => g.commission === undefined || g.settlement === 'immediate', { message: 'a commission needs settlement: immediate (a temporary payment counts the whole amount)', path: ['commission'] });
export type GatewayFileEntry = z.infer<typeof GatewayFileEntry>;

export const GatewaysFile = z
  .object({ gateways: z.array(GatewayFileEntry).min(1), portal: PortalFileEntry.optional() })
  .strict()
  .refine((f) => new Set(f.gateways.map((g) => g.name)).size === f.gateways.length, { message: 'gateway names must be unique', path: ['gateways'] })
  .superRefine((f, ctx) => {
    f.portal?.gateways.forEach((name, i) => {
      const problem = portalGatewayProblem(f.gateways.find((g) => g.name === name), f.portal?.currency ?? '');
      if (problem) ctx.addIssue({ code: 'custom', message: `gateway "${name}" ${problem}`, path: ['portal', 'gateways', i] });
    });
  });

/** A gateway's settings with its secrets resolved from the environment. */
export interface GatewaySettings {
  name: string;
  adapter: GatewayAdapter;
  label: string;
  enabled: boolean;
  mode: GatewayMode;
  settlement: Settlement;
  /** As written in the file (days, a duration or "never"). */
  paymentExpiration: number | string;
  /** null: temporary payments through this gateway never expire. */
  paymentExpirationMs: number | null;
  secrets: Partial<Record<GatewayMode, string>>;
  /** Where each secret came from: its environment variable, or the file's development default (refused in production). */
  secretSources?: Partial<Record<GatewayMode, 'env' | 'default'>>;
  callbackAllowlist: string[];
  minAmount: bigint;
  maxAmount: bigint;
  currencies: string[] | null;
  /** null: this gateway takes no recurring charges. Limits already narrowed by the gateway's own. */
  recurring: { minAmount: bigint; maxAmount: bigint } | null;
  paymentTtlMs: number;
  account: { iban: string; holder: string; bic?: string | undefined } | null;
  /** The stripe adapter's own settings; absent for every other adapter. */
  stripe?: StripeSettings | undefined;
  /** The uniteller adapter's own settings; absent for every other adapter. */
  uniteller?: UnitellerSettings | undefined;
  /** The assist adapter's own settings; absent for every other adapter. */
  assist?: AssistSettings | undefined;
  /** A lost dispute of a subscription's charge stops the subscription unless this says keep_subscription. */
  onLostDispute?: 'stop_subscription' | 'keep_subscription' | undefined;
  /** What a success after the payment ended becomes (copied onto each payment at its start). */
  lateSuccess: LateSuccessPolicy;
  /** The top-up portal's commission on this gateway; absent: none. */
  commission?: Commission | undefined;
}

export interface StripeSettings {
  /** The secret API key per mode: sk_test_… in test, sk_live_… in live (checked at load). */
  apiKeys: Partial<Record<GatewayMode, string>>;
  apiKeySources: Partial<Record<GatewayMode, 'env' | 'default'>>;
  /** null: Stripe itself (api.stripe.com). Else a stripe-mock's URL, development only. */
  apiBase: string | null;
}

export interface UnitellerSettings {
  shopIdp: Partial<Record<GatewayMode, string>>;
  login: Partial<Record<GatewayMode, string>>;
  apiPasswords: Partial<Record<GatewayMode, string>>;
  apiPasswordSources: Partial<Record<GatewayMode, 'env' | 'default'>>;
  /** Base URL per mode: Uniteller's own unless `overridden` (a simulator, development only). */
  endpoints: Record<GatewayMode, string>;
  overridden: GatewayMode[];
  /** uniteller.partial_refunds: refunds of a part, several per order (src/gateways/uniteller/partial-refunds.ts). */
  partialRefunds: boolean;
}

/** One Assist merchant account (test or production server). */
export interface AssistAccount {
  merchantId: string;
  login: string;
  password: string;
  /** Assist's server: its test or production one, or (development only) api_bases. */
  base: string;
}

export interface AssistSettings {
  /** Per mode; a mode without its Merchant_ID, login and password has no account. The salt is GatewaySettings.secrets. */
  accounts: Partial<Record<GatewayMode, AssistAccount>>;
  /** Where each credential came from, for the production check (no development defaults). */
  defaultsUsed: string[];
  /** Modes whose server is not Assist's own (api_bases): refused in production. */
  customBases: GatewayMode[];
  recurringPeriodDays: number;
  recurringMaxDays: number;
}

/** Card processors refund by themselves: a late success is refunded unless the file says keep. */
const CARD_ADAPTERS: ReadonlySet<string> = new Set(['sandbox', 'stripe']);

/** The late_success policy of a gateway whose file entry names none (and of payments from before the policy). */
export function defaultLateSuccess(adapter: string): LateSuccessPolicy {
  return CARD_ADAPTERS.has(adapter) ? 'refund' : 'keep';
}
