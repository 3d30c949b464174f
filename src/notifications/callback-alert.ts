import type pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { insertNotification } from '../db/notifications.js';
import { formatDateTime } from './format.js';
import { CALLBACK_REFUSED_WORDS } from './wording.js';

/** The refusals that alert the admin: a sender outside the allowlist, or a signature that does not verify (ABillS alerts on both). */
export type AlertedRefusal = keyof typeof CALLBACK_REFUSED_WORDS;
export const isAlertedRefusal = (outcome: string): outcome is AlertedRefusal => Object.hasOwn(CALLBACK_REFUSED_WORDS, outcome);

export interface RefusedCallback {
  gateway: string;
  outcome: AlertedRefusal;
  sourceIp: string | undefined;
  journalId: bigint;
  at: Date;
}

export interface CallbackAlertDeps {
  pool: pg.Pool;
  config: Pick<Config, 'ADMIN_EMAILS' | 'ADMIN_LOCALE' | 'SMTP_URL' | 'DAILY_SUMMARY_TIME_ZONE' | 'publicBaseUrl'>;
  log: Logger;
}

/** One e-mail per gateway, reason and UTC hour: `callback_refused:<gateway>:<reason>:<YYYY-MM-DDTHH>`. */
export const callbackAlertKey = (r: Pick<RefusedCallback, 'gateway' | 'outcome' | 'at'>): string => `callback_refused:${r.gateway}:${r.outcome}:${r.at.toISOString().slice(0, 13)}`;

/**
 * The admin's alert on a refused gateway callback, written after its journal row has committed.
 * A flood of forged callbacks makes one e-mail an hour per gateway and reason: the dedupe key
 * holds that in Postgres, and the keys this process has already written this hour are kept here
 * too, so a flood costs no extra query per request. The insert runs beside the answer, never
 * before it: a failure is logged and the callback's answer stands. Only the first refusal's
 * address is in the e-mail; the rest are in the journal, which the e-mail links to.
 */
export function createCallbackAlerts(deps: CallbackAlertDeps): { refused(r: RefusedCallback): void } {
  let hour = '';
  const written = new Set<string>();
  return {
    refused(r) {
      const { config } = deps;
      if (config.ADMIN_EMAILS.length === 0 || !config.SMTP_URL) return;
      const key = callbackAlertKey(r);
      const thisHour = r.at.toISOString().slice(0, 13);
      if (thisHour !== hour) {
        hour = thisHour;
        written.clear();
      }
      if (written.has(key)) return;
      written.add(key);
      const locale = config.ADMIN_LOCALE;
      const journalUrl = `${config.publicBaseUrl}/v1/callbacks?gateway=${encodeURIComponent(r.gateway)}&outcome=${r.outcome}`;
      insertNotification(deps.pool, {
        audience: 'admin',
        type: 'callback_refused',
        dedupeKey: key,
        recipients: [...config.ADMIN_EMAILS],
        locale,
        data: {
          gateway: r.gateway,
          reason: CALLBACK_REFUSED_WORDS[r.outcome][locale],
          outcome: r.outcome,
          source_ip: r.sourceIp ?? '—',
          time: formatDateTime(r.at, locale, config.DAILY_SUMMARY_TIME_ZONE),
          journal_id: r.journalId.toString(),
          journal_url: journalUrl,
        },
      }).catch((err: unknown) => {
        written.delete(key); // the next refusal tries again
        deps.log.warn({ err, gateway: r.gateway, outcome: r.outcome }, 'could not queue the refused-callback alert');
      });
    },
  };
}
