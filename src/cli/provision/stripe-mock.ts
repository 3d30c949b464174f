import { existsSync } from 'node:fs';
import { ensureGoTool, type GoTool, type GoToolOptions } from './go-tool.js';
import { ProvisionError } from './paths.js';

/**
 * stripe-mock, Stripe's official mock of its API (https://github.com/stripe/stripe-mock): it
 * validates every request against Stripe's OpenAPI spec and answers with fixed fixtures. The
 * Stripe adapter's tests and `npm start`'s test-mode `stripe` gateway talk to it.
 */
export const STRIPE_MOCK_VERSION = 'v0.203.0';
export const STRIPE_MOCK_TOOL: GoTool = {
  what: 'Stripe’s API mock (stripe-mock)',
  dirName: 'stripe-mock',
  goPackage: 'github.com/stripe/stripe-mock',
  version: STRIPE_MOCK_VERSION,
  binaryName: 'stripe-mock',
  instead: 'set STRIPE_MOCK=/path/to/stripe-mock',
};

/** STRIPE_MOCK when set (it must exist), else the cached build, else a build with Go. */
export async function ensureStripeMock(o: GoToolOptions & { explicit: string | undefined }): Promise<string> {
  if (o.explicit) {
    if (!existsSync(o.explicit)) throw new ProvisionError(`STRIPE_MOCK=${o.explicit} does not exist.`);
    return o.explicit;
  }
  return ensureGoTool(STRIPE_MOCK_TOOL, o);
}
