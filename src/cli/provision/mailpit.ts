import { existsSync } from 'node:fs';
import { ensureGoTool, type GoTool, type GoToolOptions } from './go-tool.js';
import { ProvisionError } from './paths.js';

/**
 * Mailpit (https://github.com/axllent/mailpit), a real SMTP server that keeps what it receives and
 * shows it in a web UI with a JSON API. `npm start` points SMTP_URL at it so a new user sees every
 * e-mail Tollgate sends; `npm test` reads what arrived through its API.
 */
export const MAILPIT_VERSION = 'v1.33.1';
export const MAILPIT_TOOL: GoTool = {
  what: 'Mailpit (the development SMTP server)',
  dirName: 'mailpit',
  goPackage: 'github.com/axllent/mailpit',
  version: MAILPIT_VERSION,
  binaryName: 'mailpit',
  instead: 'set MAILPIT=/path/to/mailpit (or SMTP_URL=smtp://… to use a server of your own)',
};

/** MAILPIT when set (it must exist), else the cached build, else a build with Go. */
export async function ensureMailpit(o: GoToolOptions & { explicit: string | undefined }): Promise<string> {
  if (o.explicit) {
    if (!existsSync(o.explicit)) throw new ProvisionError(`MAILPIT=${o.explicit} does not exist.`);
    return o.explicit;
  }
  return ensureGoTool(MAILPIT_TOOL, o);
}
