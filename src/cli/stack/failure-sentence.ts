import { appendFileSync } from 'node:fs';
import { ConfigError } from '../../config.js';
import { TemporalSetupError } from '../../temporal/setup.js';
import { ProvisionError } from '../provision/paths.js';
import { StartError } from './start-error.js';

/**
 * What the user reads when a command fails: one line. Errors we raised on purpose already are that
 * sentence; anything else is a bug or a surprise, so its stack goes to `detailsFile` (when given)
 * for whoever debugs it, and the terminal gets its first line and where the rest is.
 */
export function oneSentence(err: unknown, detailsFile?: string): string {
  if (err instanceof StartError || err instanceof ProvisionError || err instanceof ConfigError || err instanceof TemporalSetupError) return err.message.replace(/\s*\n\s*/g, ' ');
  const first = (err instanceof Error ? err.message : String(err)).split('\n')[0] || 'unknown error';
  if (!detailsFile) return `Failed: ${first}.`;
  try {
    appendFileSync(detailsFile, `${new Date().toISOString()} ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return `Failed: ${first} (details in ${detailsFile}).`;
  } catch {
    return `Failed: ${first}.`;
  }
}
