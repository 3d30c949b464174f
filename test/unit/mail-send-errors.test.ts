import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifySendError, messageIdHost } from '../../src/notifications/mailer.js';

/** What nodemailer reports, as its SMTP client builds it (code, responseCode, response). */
const smtpError = (code: string, responseCode?: number, response?: string) => Object.assign(new Error(response ?? code), { code, responseCode, response });

describe('SMTP failures: retried or failed for good', () => {
  const cases: Array<[string, Error, 'transient' | 'permanent']> = [
    ['connection refused', Object.assign(smtpError('ESOCKET'), { message: 'connect ECONNREFUSED 127.0.0.1:1025' }), 'transient'],
    ['a timeout', smtpError('ETIMEDOUT'), 'transient'],
    ['the connection dropped', smtpError('ECONNECTION'), 'transient'],
    ['421 service not available', smtpError('EENVELOPE', 421, '421 4.3.2 Try again later'), 'transient'],
    ['450 mailbox busy', smtpError('EENVELOPE', 450, '450 4.2.1 Mailbox busy'), 'transient'],
    ['550 recipient rejected', smtpError('EENVELOPE', 550, '550 5.1.1 No such user'), 'permanent'],
    ['554 message refused', smtpError('EMESSAGE', 554, '554 5.7.1 Rejected as spam'), 'permanent'],
    ['535 bad credentials (the deployment fixes SMTP_URL)', smtpError('EAUTH', 535, '535 5.7.8 Authentication failed'), 'transient'],
    ['not even an Error', 'boom' as unknown as Error, 'transient'],
  ];
  for (const [what, err, kind] of cases) {
    it(`${what}: ${kind}`, () => assert.equal(classifySendError(err).kind, kind));
  }

  it('keeps the code and the server’s words, on one short line', () => {
    const e = classifySendError(smtpError('EENVELOPE', 550, `550 5.1.1 No such user\r\n${'x'.repeat(1000)}`));
    assert.equal(e.responseCode, 550);
    assert.match(e.message, /^EENVELOPE 550: 550 5\.1\.1 No such user x+$/);
    assert.ok(e.message.length < 330);
  });
});

describe('Message-ID host', () => {
  it('is MAIL_FROM’s domain, or localhost when it has none a header may carry', () => {
    assert.equal(messageIdHost('Tollgate <billing@Example.COM>'), 'example.com');
    assert.equal(messageIdHost('billing@tollgate.test'), 'tollgate.test');
    assert.equal(messageIdHost('Tollgate <billing@exa mple.com>'), 'localhost');
    assert.equal(messageIdHost('nobody'), 'localhost');
  });
});
