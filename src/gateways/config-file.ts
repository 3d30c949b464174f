import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseIsoDurationMs } from '../domain/duration.js';
import { type PortalSettings, portalSettings } from '../portal/settings.js';
import { resolveTerminal, TERMINAL_ADAPTERS, TerminalConfigError, TerminalFileEntry, type TerminalSettings } from '../terminals/settings.js';
import { ASSIST_SERVERS } from './assist/servers.js';
import { type AssistSettings, defaultLateSuccess, GatewaysFile, type GatewayFileEntry, type GatewayMode, type GatewaySettings, type StripeSettings, type UnitellerSettings } from './settings.js';
import { UNITELLER_ENDPOINTS } from './uniteller/endpoints.js';

/**
 * Reads the gateways file (YAML or JSON; JSON is YAML). Every problem is one ConfigError naming
 * the file and the field, so a bad deployment stops at start instead of at the first payment.
 */
export class GatewayConfigError extends Error {
  override name = 'GatewayConfigError';
}

export function loadGatewaySettings(path: string, env: NodeJS.ProcessEnv): GatewaySettings[] {
  return loadGatewaysFile(path, env).gateways;
}

const isTerminalEntry = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && (TERMINAL_ADAPTERS as readonly unknown[]).includes((e as { adapter?: unknown }).adapter);

/** What one gateways file configures: payment gateways, terminal networks and the top-up portal. */
export interface GatewaysFileContents {
  gateways: GatewaySettings[];
  /** `adapter: osmp` entries (src/terminals/settings.ts): never payment gateways. */
  terminals: TerminalSettings[];
  /** null when the file has no `portal:`. */
  portal: PortalSettings | null;
}

/**
 * The whole file. Terminal entries are split off before the gateways are parsed, so neither
 * schema knows the other and a terminal network never reaches the gateway registry.
 */
export function loadGatewaysFile(path: string, env: NodeJS.ProcessEnv): GatewaysFileContents {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new GatewayConfigError(`cannot read the gateways file ${path} (TOLLGATE_GATEWAYS_FILE): ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new GatewayConfigError(`the gateways file ${path} is not valid YAML/JSON: ${(err as Error).message}`);
  }
  const entries: unknown[] = typeof doc === 'object' && doc !== null && Array.isArray((doc as { gateways?: unknown }).gateways) ? (doc as { gateways: unknown[] }).gateways : [];
  const terminalEntries = entries.filter(isTerminalEntry);
  const terminals = terminalEntries.map((e, i) => {
    const t = TerminalFileEntry.safeParse(e);
    if (!t.success) {
      const problems = t.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ');
      throw new GatewayConfigError(`the gateways file ${path} is invalid: terminal network ${i} (adapter osmp): ${problems}`);
    }
    try {
      return resolveTerminal(t.data, env);
    } catch (err) {
      if (err instanceof TerminalConfigError) throw new GatewayConfigError(`${err.message} (${path})`);
      throw err;
    }
  });
  const rest = terminalEntries.length > 0 ? { ...(doc as object), gateways: entries.filter((e) => !isTerminalEntry(e)) } : doc;
  // A file of terminal networks only has no payment gateways: that is a deployment, not a mistake.
  // (A portal offers gateways, so a file with one goes on to be refused for having none.)
  if (terminals.length > 0 && (rest as { gateways: unknown[] }).gateways.length === 0 && (rest as { portal?: unknown }).portal === undefined) {
    return { gateways: [], terminals, portal: null };
  }
  const parsed = GatewaysFile.safeParse(rest);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new GatewayConfigError(`the gateways file ${path} is invalid: ${problems}`);
  }
  const gateways = parsed.data.gateways.map((g) => resolve(g, env, path));
  const clash = terminals.find((t) => gateways.some((g) => g.name === t.name)) ?? terminals.find((t, i) => terminals.findIndex((o) => o.name === t.name) !== i);
  if (clash) throw new GatewayConfigError(`the gateways file ${path} is invalid: gateways: gateway names must be unique ("${clash.name}")`);
  return { gateways, terminals, portal: parsed.data.portal ? portalSettings(parsed.data.portal) : null };
}

type SecretRefs = GatewayFileEntry['secrets'];

/** Each mode's value from its environment variable, else (test mode only) the file's development default. */
function resolveRefs(refs: SecretRefs, env: NodeJS.ProcessEnv): { values: Partial<Record<GatewayMode, string>>; sources: Partial<Record<GatewayMode, 'env' | 'default'>> } {
  const values: Partial<Record<GatewayMode, string>> = {};
  const sources: Partial<Record<GatewayMode, 'env' | 'default'>> = {};
  for (const mode of ['test', 'live'] as const) {
    const ref = refs[mode];
    const fallback = ref && 'default' in ref ? ref.default : undefined;
    const fromEnv = ref ? env[ref.env]?.trim() : undefined;
    const value = fromEnv || fallback;
    if (value) {
      values[mode] = value;
      sources[mode] = fromEnv ? 'env' : 'default';
    }
  }
  return { values, sources };
}

function resolve(g: GatewayFileEntry, env: NodeJS.ProcessEnv, path: string): GatewaySettings {
  const { values: secrets, sources: secretSources } = resolveRefs(g.secrets, env);
  // One secret for both would make every callback verify as test: live payments could never complete.
  if (secrets.test !== undefined && secrets.test === secrets.live) {
    throw new GatewayConfigError(`gateway "${g.name}" has the same secret for test and live mode (${path}); a live secret must be its own`);
  }
  if ((g.adapter === 'sandbox' || g.adapter === 'stripe' || g.adapter === 'uniteller' || g.adapter === 'assist') && !secrets[g.mode]) {
    const ref = g.secrets[g.mode];
    throw new GatewayConfigError(
      ref
        ? `gateway "${g.name}" runs in ${g.mode} mode but ${ref.env} is not set (${path})`
        : `gateway "${g.name}" runs in ${g.mode} mode but has no secrets.${g.mode} in ${path}`,
    );
  }
  return {
    name: g.name,
    adapter: g.adapter,
    label: g.label ?? g.name,
    enabled: g.enabled,
    mode: g.mode,
    settlement: g.settlement,
    paymentExpiration: g.payment_expiration,
    paymentExpirationMs:
      g.payment_expiration === 'never' ? null : typeof g.payment_expiration === 'number' ? g.payment_expiration * 86_400_000 : parseIsoDurationMs(g.payment_expiration),
    secrets,
    secretSources,
    callbackAllowlist: g.callback_allowlist,
    minAmount: BigInt(g.min_amount),
    maxAmount: BigInt(g.max_amount),
    currencies: g.currencies ?? null,
    recurring: g.recurring?.enabled
      ? {
          minAmount: BigInt(Math.max(g.min_amount, g.recurring.min_amount ?? g.min_amount)),
          maxAmount: BigInt(Math.min(g.max_amount, g.recurring.max_amount ?? g.max_amount)),
        }
      : null,
    paymentTtlMs: parseIsoDurationMs(g.payment_ttl),
    account: g.account ?? null,
    stripe: g.adapter === 'stripe' ? resolveStripe(g, env, path) : undefined,
    uniteller: g.uniteller ? resolveUniteller(g.name, g.mode, g.uniteller, env, path) : undefined,
    assist: g.assist ? resolveAssist(g, g.assist, env, path) : undefined,
    onLostDispute: g.on_lost_dispute,
    lateSuccess: g.late_success ?? defaultLateSuccess(g.adapter),
    ...(g.commission ? { commission: { fixedMinor: BigInt(g.commission.fixed), percent: g.commission.percent } } : {}),
  };
}

/**
 * A Stripe key says its own mode (https://docs.stripe.com/keys): sk_test_/rk_test_ keys reach the
 * test account, sk_live_/rk_live_ the live one. A key in the wrong mode's slot would charge real
 * cards from a "test" gateway, or fake ones from a live one, so it stops the start.
 */
function resolveStripe(g: GatewayFileEntry, env: NodeJS.ProcessEnv, path: string): StripeSettings {
  const { values: apiKeys, sources: apiKeySources } = resolveRefs(g.api_keys ?? {}, env);
  for (const mode of ['test', 'live'] as const) {
    const key = apiKeys[mode];
    if (key === undefined) continue;
    const where = apiKeySources[mode] === 'env' ? g.api_keys?.[mode]?.env ?? '' : 'the default';
    const keyMode = /^[sr]k_(test|live)_[A-Za-z0-9]+$/.exec(key)?.[1];
    if (keyMode === undefined) throw new GatewayConfigError(`gateway "${g.name}"'s ${mode} API key (${where}) is not a Stripe secret key (sk_${mode}_… or rk_${mode}_…) (${path})`);
    if (keyMode !== mode) throw new GatewayConfigError(`gateway "${g.name}"'s ${mode} API key (${where}) is a ${keyMode}-mode key; a ${mode} slot takes only sk_${mode}_… or rk_${mode}_… keys (${path})`);
  }
  if (!apiKeys[g.mode]) {
    const ref = g.api_keys?.[g.mode];
    throw new GatewayConfigError(
      ref
        ? `gateway "${g.name}" runs in ${g.mode} mode but ${ref.env} (its API key) is not set (${path})`
        : `gateway "${g.name}" runs in ${g.mode} mode but has no api_keys.${g.mode} in ${path}`,
    );
  }
  return { apiKeys, apiKeySources, apiBase: g.api_base ?? null };
}

/**
 * The uniteller block: the mode the gateway runs in needs its shop, login and results password
 * (the signing password is `secrets`, checked above); the other mode may be left out, and a
 * payment or subscription started in it then has no credentials rather than borrowing these.
 */
function resolveUniteller(name: string, mode: GatewayMode, u: NonNullable<GatewayFileEntry['uniteller']>, env: NodeJS.ProcessEnv, path: string): UnitellerSettings {
  const { values: apiPasswords, sources: apiPasswordSources } = resolveRefs(u.api_passwords, env);
  for (const [field, value] of [['shop_idp', u.shop_idp[mode]], ['login', u.login[mode]], ['api_passwords', apiPasswords[mode]]] as const) {
    if (value === undefined) {
      const ref = field === 'api_passwords' ? u.api_passwords[mode] : undefined;
      throw new GatewayConfigError(ref ? `gateway "${name}" runs in ${mode} mode but ${ref.env} (its results password) is not set (${path})` : `gateway "${name}" runs in ${mode} mode but has no uniteller.${field}.${mode} in ${path}`);
    }
  }
  if (apiPasswords.test !== undefined && apiPasswords.test === apiPasswords.live) {
    throw new GatewayConfigError(`gateway "${name}" has the same results password for test and live mode (${path})`);
  }
  const overridden = (['test', 'live'] as const).filter((m) => u.endpoints?.[m] !== undefined && u.endpoints[m] !== UNITELLER_ENDPOINTS[m]);
  return {
    shopIdp: u.shop_idp,
    login: u.login,
    apiPasswords,
    apiPasswordSources,
    endpoints: { test: u.endpoints?.test ?? UNITELLER_ENDPOINTS.test, live: u.endpoints?.live ?? UNITELLER_ENDPOINTS.live },
    overridden,
    partialRefunds: u.partial_refunds,
  };
}

/**
 * An Assist account per mode: Merchant_ID, login and password from the environment (test may
 * carry development defaults), the server Assist's own unless api_bases names another. The mode
 * the gateway runs in must have all three; the other mode may have none (then it has no account).
 */
function resolveAssist(g: GatewayFileEntry, a: NonNullable<GatewayFileEntry['assist']>, env: NodeJS.ProcessEnv, path: string): AssistSettings {
  const ids = resolveRefs(a.merchant_ids, env);
  const logins = resolveRefs(a.logins, env);
  const passwords = resolveRefs(a.passwords, env);
  const accounts: AssistSettings['accounts'] = {};
  const defaultsUsed: string[] = [];
  for (const mode of ['test', 'live'] as const) {
    const merchantId = ids.values[mode];
    const login = logins.values[mode];
    const password = passwords.values[mode];
    if (merchantId === undefined || login === undefined || password === undefined) {
      if (mode === g.mode) {
        throw new GatewayConfigError(`gateway "${g.name}" runs in ${mode} mode but its assist ${mode} Merchant_ID, login and password are not all set (${path})`);
      }
      continue;
    }
    if (!/^\d{1,20}$/.test(merchantId)) throw new GatewayConfigError(`gateway "${g.name}"'s assist ${mode} Merchant_ID is not a number (${path})`);
    for (const [what, sources] of [['Merchant_ID', ids.sources], ['login', logins.sources], ['password', passwords.sources]] as const) {
      if (sources[mode] === 'default') defaultsUsed.push(`${mode} ${what}`);
    }
    accounts[mode] = { merchantId, login, password, base: (a.api_bases?.[mode] ?? ASSIST_SERVERS[mode]).replace(/\/+$/, '') };
  }
  const customBases = (['test', 'live'] as const).filter((m) => a.api_bases?.[m] !== undefined);
  return { accounts, defaultsUsed, customBases, recurringPeriodDays: a.recurring_period_days, recurringMaxDays: a.recurring_max_days };
}
