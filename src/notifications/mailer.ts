import nodemailer from 'nodemailer';

/** One e-mail as it leaves: the rendered parts and who gets it. */
export interface OutgoingEmail {
  to: readonly string[];
  subject: string;
  text: string;
  html: string;
  /**
   * The Message-ID header, derived from the notification (<ntf_…@host>): a send repeated after a
   * lost reply carries the same one, which lets mail clients that de-duplicate by it show one copy.
   */
  messageId: string;
}

export interface SentEmail {
  messageId: string;
  /** Recipients the server refused while it took the message for the others. */
  rejected: string[];
}

export interface Mailer {
  send(email: OutgoingEmail): Promise<SentEmail>;
  /** Closes the pool's connections (the worker's shutdown). */
  close(): void;
}

/**
 * Why a send failed, for the retry decision: `transient` is retried (the server is away, slow, or
 * answered 4xx, "try again later" in RFC 5321 §4.2.1), `permanent` is recorded as failed (a 5xx
 * answer: every recipient refused, the message rejected).
 */
export type SendFailureKind = 'transient' | 'permanent';

export class MailSendError extends Error {
  override name = 'MailSendError';
  constructor(message: string, readonly kind: SendFailureKind, readonly responseCode: number | undefined) {
    super(message);
  }
}

interface NodemailerError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
}

/**
 * Authentication failures (535, 530) are 5xx but the deployment's mistake, not the recipient's:
 * they are retried, so mail waits for the operator to fix SMTP_URL instead of being dropped.
 */
const RETRIED_5XX_CODES = new Set(['EAUTH', 'ENOAUTH']);

export function classifySendError(err: unknown): MailSendError {
  const e = (err ?? {}) as NodemailerError;
  const code = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  // The server's own words when it answered (without our credentials: nodemailer never puts them
  // in messages), else the socket's error; cut short, since it ends up in a row and a log.
  const detail = (e.response ?? e.message ?? String(err)).replace(/\s+/g, ' ').slice(0, 300);
  const permanent = code !== undefined && code >= 500 && code < 600 && !RETRIED_5XX_CODES.has(e.code ?? '');
  return new MailSendError(`${e.code ?? 'SMTP'}${code ? ` ${code}` : ''}: ${detail}`, permanent ? 'permanent' : 'transient', code);
}

/**
 * One pooled nodemailer transport for SMTP_URL (smtp:// or smtps://, credentials in the URL), built
 * once per worker. Timeouts are short enough for the send activity's own (a minute) to outlast them,
 * so a hung server is a transient failure the activity reports, not a timed-out activity.
 */
/** One plain address (config.ts's rule): no display name, comma or angle bracket that could smuggle in another recipient. */
const PLAIN_ADDRESS = /^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;"]+$/;

export function createMailer(o: { smtpUrl: string; from: string }): Mailer {
  const transport = nodemailer.createTransport({
    url: o.smtpUrl,
    pool: true,
    maxConnections: 3,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    async send(email) {
      const bad = email.to.filter((a) => !PLAIN_ADDRESS.test(a));
      if (bad.length || email.to.length === 0) throw new MailSendError(`not an e-mail address: ${JSON.stringify(bad.join(', ').slice(0, 200))}`, 'permanent', undefined);
      try {
        const info = await transport.sendMail({
          from: o.from,
          // As address objects: nodemailer parses a string, so one "a@x, b@y" would be two recipients.
          to: email.to.map((address) => ({ name: '', address })),
          subject: email.subject,
          text: email.text,
          html: email.html,
          messageId: email.messageId,
        });
        return { messageId: info.messageId, rejected: (info.rejected ?? []).map(String) };
      } catch (err) {
        throw classifySendError(err);
      }
    },
    close() {
      transport.close();
    },
  };
}

/** The host part of MAIL_FROM's address, for Message-IDs (<ntf_…@host>); "localhost" when it has none. */
export function messageIdHost(from: string): string {
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
  const host = address.split('@')[1]?.trim().toLowerCase() ?? '';
  return /^[a-z0-9.-]+$/.test(host) ? host : 'localhost';
}
