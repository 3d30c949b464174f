import { z } from 'zod';
import { parseIsoDurationMs } from '../domain/duration.js';
import { isValidTimeZone } from '../domain/zoned-time.js';
import { cidrsOverlap, isValidCidr } from '../gateways/cidr.js';
import type { GatewayMode, Settlement } from '../gateways/settings.js';
import { IdentificationSettings } from '../identification/settings.js';

/**
 * A terminal network (ABillS Paysys "Терминалы для оплаты"): an entry of the gateways file with
 * `adapter: osmp`. It is not a PaymentGateway: a terminal takes the money itself and only tells
 * Tollgate (check, then pay), so it is never offered as a checkout choice. config-file.ts splits
 * these entries from the gateways before either is parsed.
 */
export const TERMINAL_ADAPTERS = ['osmp'] as const;

const EnvName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name');
/** Like the gateways' secrets: the value lives in the environment; `default` is for development (refused in production). */
const SecretRef = z.object({ env: EnvName, default: z.string().min(1).optional() }).strict();
const Cidr = z.string().refine(isValidCidr, 'an IP address or CIDR block such as 10.0.0.0/8');
const IsoDuration = z.string().refine((s) => {
  try {
    const ms = parseIsoDurationMs(s);
    return ms > 0 && ms <= 3650 * 86_400_000;
  } catch {
    return false;
  }
}, 'an ISO 8601 duration such as PT1H or P14D, at most ten years');

export const TerminalFileEntry = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]{0,49}$/, 'lower-case letters, digits and _'),
    adapter: z.enum(TERMINAL_ADAPTERS),
    label: z.string().max(100).optional(),
    enabled: z.boolean().default(true),
    mode: z.enum(['test', 'live']).default('live'),
    /** Addresses the network's requests may come from. Empty refuses every request (ABillS: "Unknown payment system"). */
    allowlist: z.array(Cidr).default([]),
    /** HTTP Basic credentials the network sends; the password by environment variable. */
    basic_auth: z.object({ user: z.string().min(1).max(200), password: SecretRef }).strict().optional(),
    /** A shared secret the network sends as a query/form parameter (`param`, default `secret`). */
    shared_secret: z.object({ param: z.string().regex(/^[a-z_][a-z0-9_]{0,39}$/).default('secret'), value: SecretRef }).strict().optional(),
    /** The time zone the network writes txn_date in (IANA). */
    timezone: z.string().refine(isValidTimeZone, 'an IANA time zone such as Europe/Moscow'),
    currency: z.string().regex(/^[A-Z]{3}$/),
    /** Minor units of `currency`; outside them check/pay answer 241/242. */
    min_amount: z.number().int().min(1).default(1),
    max_amount: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).default(Number.MAX_SAFE_INTEGER),
    settlement: z.enum(['immediate', 'deferred']).default('immediate'),
    payment_expiration: z.union([z.number().int().min(1).max(3650), z.literal('never'), IsoDuration]).default(5),
    /** How long a terminal's payment waits for its (immediate) success signal before the expiry check takes it. */
    payment_ttl: IsoDuration.default('PT1H'),
    /** PAYSYS_TEST_SYSTEM: requests from these addresses run in test mode and pay into `test_account`. */
    test_addresses: z.array(Cidr).default([]),
    /** PAYSYS_TEST_USER: what a test request's account is replaced with, looked up like any account. */
    test_account: z.string().min(1).max(100).optional(),
    identification: IdentificationSettings.prefault({}),
  })
  .strict()
  .refine((t) => t.min_amount <= t.max_amount, { message: 'min_amount must not exceed max_amount', path: ['min_amount'] })
  .refine((t) => t.test_addresses.length === 0 || t.test_account !== undefined, { message: 'test_addresses need a test_account to pay into', path: ['test_account'] })
  // A test address is looked at before the allowlist (src/api/terminals/screen.ts): one sharing any
  // address with the allowlist turns the network's live requests from there into test ones, paid
  // into the test account while the payer's cash is taken. Refused in every environment.
  .superRefine((t, ctx) => {
    for (const test of t.test_addresses) {
      const live = t.allowlist.find((a) => cidrsOverlap(test, a));
      if (live) ctx.addIssue({ code: 'custom', path: ['test_addresses'], message: `${test} overlaps allowlist entry ${live}: live requests from there would pay into the test account` });
    }
  });
export type TerminalFileEntry = z.infer<typeof TerminalFileEntry>;

/** A terminal network's settings with its secrets resolved. */
export interface TerminalSettings {
  name: string;
  adapter: (typeof TERMINAL_ADAPTERS)[number];
  label: string;
  enabled: boolean;
  mode: GatewayMode;
  allowlist: string[];
  basicAuth: { user: string; password: string; source: 'env' | 'default' } | null;
  sharedSecret: { param: string; value: string; source: 'env' | 'default' } | null;
  timezone: string;
  currency: string;
  minAmount: bigint;
  maxAmount: bigint;
  settlement: Settlement;
  paymentExpirationMs: number | null;
  paymentTtlMs: number;
  testAddresses: string[];
  testAccount: string | null;
  identification: IdentificationSettings;
}

export class TerminalConfigError extends Error {
  override name = 'TerminalConfigError';
}

function secret(ref: z.infer<typeof SecretRef>, env: NodeJS.ProcessEnv, what: string): { value: string; source: 'env' | 'default' } {
  const fromEnv = env[ref.env]?.trim();
  if (fromEnv) return { value: fromEnv, source: 'env' };
  if (ref.default) return { value: ref.default, source: 'default' };
  throw new TerminalConfigError(`${what}: ${ref.env} is not set`);
}

export function resolveTerminal(t: TerminalFileEntry, env: NodeJS.ProcessEnv): TerminalSettings {
  const basic = t.basic_auth ? secret(t.basic_auth.password, env, `terminal network "${t.name}" basic_auth.password`) : null;
  const shared = t.shared_secret ? secret(t.shared_secret.value, env, `terminal network "${t.name}" shared_secret.value`) : null;
  return {
    name: t.name,
    adapter: t.adapter,
    label: t.label ?? t.name,
    enabled: t.enabled,
    mode: t.mode,
    allowlist: t.allowlist,
    basicAuth: t.basic_auth && basic ? { user: t.basic_auth.user, password: basic.value, source: basic.source } : null,
    sharedSecret: t.shared_secret && shared ? { param: t.shared_secret.param, value: shared.value, source: shared.source } : null,
    timezone: t.timezone,
    currency: t.currency,
    minAmount: BigInt(t.min_amount),
    maxAmount: BigInt(t.max_amount),
    settlement: t.settlement,
    paymentExpirationMs:
      t.payment_expiration === 'never' ? null : typeof t.payment_expiration === 'number' ? t.payment_expiration * 86_400_000 : parseIsoDurationMs(t.payment_expiration),
    paymentTtlMs: parseIsoDurationMs(t.payment_ttl),
    testAddresses: t.test_addresses,
    testAccount: t.test_account ?? null,
    identification: t.identification,
  };
}

/**
 * What production refuses in a terminal network (assertProductionSafe): development secrets, an
 * allowlist of every address with no credentials — anyone could then tell Tollgate a payment was
 * made — and a test address of every address.
 */
export function terminalProductionProblems(t: TerminalSettings): string[] {
  const problems: string[] = [];
  const everyone = t.allowlist.some((c) => /\/0$/.test(c));
  if (everyone && !t.basicAuth && !t.sharedSecret) problems.push(`terminal network "${t.name}" takes requests from any address without basic_auth or shared_secret`);
  // A test address of every address lets anyone in, past the allowlist, to pay the test account.
  if (t.testAddresses.some((c) => /\/0$/.test(c))) problems.push(`terminal network "${t.name}" has a test address of every address (/0)`);
  if (t.basicAuth?.source === 'default') problems.push(`terminal network "${t.name}"'s basic_auth password is a development default (set its variable)`);
  if (t.sharedSecret?.source === 'default') problems.push(`terminal network "${t.name}"'s shared secret is a development default (set its variable)`);
  return problems;
}
