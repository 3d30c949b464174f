import type { GatewayMode } from '../settings.js';

/**
 * Uniteller's two systems, one per mode: the test system (test.wpay.uniteller.ru) takes test
 * shops and test cards only, the production one (wpay.uniteller.ru) moves real money. The paths
 * are those of Uniteller's integration manual ("Технический порядок взаимодействия с системой
 * Uniteller": /pay/ the payment page, /results/ the results request, /recurrent/ the recurring
 * payment request; "Технический порядок. Интернет-эквайринг" v1.43 rev. 48, 4.5.2: /unblock/ the
 * cancel-or-refund request), the same on both hosts.
 */
export const UNITELLER_ENDPOINTS = {
  test: 'https://test.wpay.uniteller.ru',
  live: 'https://wpay.uniteller.ru',
} as const satisfies Record<GatewayMode, string>;

export const UNITELLER_PATHS = { pay: '/pay/', results: '/results/', recurrent: '/recurrent/', unblock: '/unblock/' } as const;

/** The URL of one of Uniteller's endpoints on a base (Uniteller's own, or a simulator's in development). */
export function endpointUrl(base: string, path: keyof typeof UNITELLER_PATHS): string {
  return new URL(UNITELLER_PATHS[path], base.endsWith('/') ? base : `${base}/`).toString();
}
