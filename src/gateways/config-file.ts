import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseIsoDurationMs } from '../domain/duration.js';
import { defaultLateSuccess, GatewaysFile, type GatewayFileEntry, type GatewayMode, type GatewaySettings } from './settings.js';

/**
 * Reads the gateways file (YAML or JSON; JSON is YAML). Every problem is one ConfigError naming
 * the file and the field, so a bad deployment stops at start instead of at the first payment.
 */
export class GatewayConfigError extends Error {
  override name = 'GatewayConfigError';
}

export function loadGatewaySettings(path: string, env: NodeJS.ProcessEnv): GatewaySettings[] {
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
  const parsed = GatewaysFile.safeParse(doc);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new GatewayConfigError(`the gateways file ${path} is invalid: ${problems}`);
  }
  return parsed.data.gateways.map((g) => resolve(g, env, path));
}

function resolve(g: GatewayFileEntry, env: NodeJS.ProcessEnv, path: string): GatewaySettings {
  const secrets: Partial<Record<GatewayMode, string>> = {};
  const secretSources: Partial<Record<GatewayMode, 'env' | 'default'>> = {};
  for (const mode of ['test', 'live'] as const) {
    const ref = g.secrets[mode];
    const fallback = ref && 'default' in ref ? ref.default : undefined;
    const fromEnv = ref ? env[ref.env]?.trim() : undefined;
    const value = fromEnv || fallback;
    if (value) {
      secrets[mode] = value;
      secretSources[mode] = fromEnv ? 'env' : 'default';
    }
  }
  // One secret for both would make every callback verify as test: live payments could never complete.
  if (secrets.test !== undefined && secrets.test === secrets.live) {
    throw new GatewayConfigError(`gateway "${g.name}" has the same secret for test and live mode (${path}); a live secret must be its own`);
  }
  if (g.adapter === 'sandbox' && !secrets[g.mode]) {
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
    lateSuccess: g.late_success ?? defaultLateSuccess(g.adapter),
  };
}
