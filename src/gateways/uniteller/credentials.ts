import type { GatewayMode, GatewaySettings } from '../settings.js';
import { GatewayModeUnavailableError } from '../types.js';

/** Everything one mode's shop needs: a payment or subscription uses its own mode's, never the other's. */
export interface UnitellerShop {
  mode: GatewayMode;
  base: string;
  shopIdp: string;
  /** Signs the payment page, the recurring request and Uniteller's notifications (the gateway's `secrets`). */
  password: string;
  login: string;
  /** The Login's password for the results request. */
  apiPassword: string;
}

export function shopFor(s: GatewaySettings, mode: GatewayMode): UnitellerShop | undefined {
  const u = s.uniteller;
  const shopIdp = u?.shopIdp[mode];
  const login = u?.login[mode];
  const apiPassword = u?.apiPasswords[mode];
  const password = s.secrets[mode];
  if (!u || !shopIdp || !login || !apiPassword || !password) return undefined;
  return { mode, base: u.endpoints[mode], shopIdp, password, login, apiPassword };
}

export function requireShop(s: GatewaySettings, mode: GatewayMode): UnitellerShop {
  const shop = shopFor(s, mode);
  if (!shop) throw new GatewayModeUnavailableError(`gateway "${s.name}" has no ${mode}-mode Uniteller shop configured (uniteller.shop_idp, login, api_passwords and secrets for ${mode})`);
  return shop;
}
