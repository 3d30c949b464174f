import { closeSync, openSync } from 'node:fs';
import { type ManagedChild, startChild, waitUntilReady } from './child-process.js';
import { logHint } from './log-tail.js';

export interface Mailpit {
  /** Its web UI and JSON API (http://127.0.0.1:<ui port>): GET /api/v1/messages, /api/v1/message/{ID}. */
  uiUrl: string;
  /** What SMTP_URL is set to for the processes that send (smtp://127.0.0.1:<smtp port>). */
  smtpUrl: string;
  child: ManagedChild;
}

/**
 * Runs Mailpit with its UI/API and its SMTP server on loopback only (its defaults listen on every
 * interface) and waits for its /readyz. `database` keeps the messages across restarts (npm start
 * keeps them under the data directory); without it Mailpit uses a temporary one it deletes on exit.
 * `maxMessages` 0 keeps every message (a test run), otherwise Mailpit drops the oldest beyond it.
 */
export async function startMailpit(o: {
  binary: string;
  uiPort: number;
  smtpPort: number;
  logFile: string;
  database?: string;
  maxMessages?: number;
  /** A regular expression: other recipients are refused with a 5xx at RCPT TO (tests of a permanent failure). */
  allowedRecipients?: string;
}): Promise<Mailpit> {
  const out = openSync(o.logFile, 'a');
  const args = [
    '--listen', `127.0.0.1:${o.uiPort}`,
    '--smtp', `127.0.0.1:${o.smtpPort}`,
    // Any credentials an SMTP_URL carries are accepted, over plain SMTP on loopback.
    '--smtp-auth-accept-any', '--smtp-auth-allow-insecure',
    // No reverse DNS of 127.0.0.1 on every connection: on a machine without DNS it only waits.
    '--smtp-disable-rdns',
    '--max', String(o.maxMessages ?? 500),
    ...(o.database ? ['--database', o.database] : []),
    ...(o.allowedRecipients ? ['--smtp-allowed-recipients', o.allowedRecipients] : []),
  ];
  const child = startChild('Mailpit', o.binary, args, { stdio: ['ignore', out, out] });
  closeSync(out);
  const uiUrl = `http://127.0.0.1:${o.uiPort}`;
  await waitUntilReady(child, async () => (await fetch(`${uiUrl}/readyz`)).ok, 30_000, () => logHint(o.logFile)).catch(async (err: unknown) => {
    await child.stop();
    throw err;
  });
  return { uiUrl, smtpUrl: `smtp://127.0.0.1:${o.smtpPort}`, child };
}
