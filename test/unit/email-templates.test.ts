import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BUILTIN_TEMPLATES_DIR, renderEmail } from '../../src/notifications/render.js';
import { ADMIN_NOTIFICATION_TYPES, CUSTOMER_NOTIFICATION_TYPES, NOTIFICATION_LOCALES, type NotificationType } from '../../src/notifications/types.js';
import { attemptsSummary, moneyTable, subscriptionsTable } from '../../src/notifications/summary-tables.js';

const HOSTILE = '<img src=x onerror=alert(1)> & "q"';

/**
 * Every template in every locale, with the keys its rule fills (test/integration/notification-rules
 * renders the rules' own output; this one covers the daily summary and alerts' shapes too, and
 * puts a hostile value in every field).
 */
function sample(type: NotificationType): Record<string, unknown> {
  const v = HOSTILE;
  const customer = { customer_name: v };
  switch (type) {
    case 'payment_received': return { ...customer, amount: v, reference: v, gateway: v, date: v, description: v };
    case 'charge_failed': return { ...customer, amount: v, subscription_id: v, date: v, next_step: v, action_text: '\n\nPay now: https://pay.example.com/pay/t', action_html: '<p><a href="https://pay.example.com/pay/t">Pay now</a></p><p>https://pay.example.com/pay/t</p>' };
    case 'card_expiring': return { ...customer, expires: v, amount: v, next_charge_date: v, subscription_id: v };
    case 'subscription_stopped': return { ...customer, subscription_id: v, amount: v, reason: v, date: v };
    case 'refund_made': return { ...customer, amount: v, reference: v, gateway: v, date: v };
    case 'temporary_payment_created': return { ...customer, amount: v, reference: v, date: v, confirmation: v };
    case 'callback_refused': return { gateway: v, reason: v, outcome: v, source_ip: v, time: v, journal_id: v, journal_url: v };
    case 'webhook_endpoint_disabled': return { endpoint_id: v, url: v, reason: v, failing_since: v, disabled_at: v };
    case 'statement_unmatched': return {
      statement_id: v, format: v, file_name: v, lines: 9, unmatched: 3, unmatched_lines: v, matched: 1, amount_mismatch: 1, no_reference: 1, not_found: 1, duplicate: 0, ignored: 5, imported_at: v, statement_url: v,
    };
    case 'daily_summary': {
      const t = moneyTable([{ gateway: v, mode: 'live', status: 'succeeded', currency: 'PLN', count: 2, sum_minor: 3630n }], 'en');
      const a = moneyTable([], 'en');
      const c = subscriptionsTable([{ mode: 'test', result: 'charged', currency: 'PLN', count: 1, sum_minor: 4999n }], 'en');
      const n = attemptsSummary([{ mode: 'live', outcome: 'soft_decline', count: 4 }], 'en');
      return { date: v, from: v, to: v, payments_html: t.html, payments_text: t.text, refunds_html: a.html, refunds_text: a.text, charges_html: c.html, charges_text: c.text, attempts_html: n.html, attempts_text: n.text, temporary_open: 1, temporary_expired: 0, temporary_created: 4 };
    }
  }
}

describe('e-mail templates', () => {
  it('the built-in set is exactly 10 types × en/pl/ru × subject/txt/html', async () => {
    const types = (await readdir(BUILTIN_TEMPLATES_DIR)).sort();
    assert.deepEqual(types, [...CUSTOMER_NOTIFICATION_TYPES, ...ADMIN_NOTIFICATION_TYPES].sort());
    for (const type of types) {
      const files = (await readdir(join(BUILTIN_TEMPLATES_DIR, type))).sort();
      assert.deepEqual(files, NOTIFICATION_LOCALES.flatMap((l) => [`${l}.html`, `${l}.subject`, `${l}.txt`]).sort(), type);
    }
  });

  for (const type of [...CUSTOMER_NOTIFICATION_TYPES, ...ADMIN_NOTIFICATION_TYPES]) {
    for (const locale of NOTIFICATION_LOCALES) {
      it(`${type}/${locale}: renders whole, escapes in HTML, plain in text`, async () => {
        const mail = await renderEmail(type, locale, sample(type));
        for (const part of [mail.subject, mail.text, mail.html]) assert.doesNotMatch(part, /\{\{|\}\}/);
        assert.ok(!mail.html.includes('<img'), 'no value reaches the HTML unescaped');
        assert.ok(mail.html.includes('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot;'));
        assert.ok(mail.text.includes(HOSTILE), 'the text part shows the value as it is');
        assert.match(mail.html, new RegExp(`^<!DOCTYPE html>\\n<html lang="${locale}">`));
        assert.ok(mail.subject.length > 0 && mail.subject.length < 200 && !/[\r\n]/.test(mail.subject));
        // The two parts say the same: every text line's words appear in the HTML too.
        const htmlText = mail.html.replace(/<[^>]+>/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/\s+/g, ' ');
        for (const line of mail.text.split('\n').map((l) => l.trim()).filter((l) => l && !/^[-=]+$/.test(l) && l !== '--')) {
          for (const piece of line.split(/\s{2,}|: /).map((p) => p.replace(/\s+/g, ' ').trim()).filter((p) => p && !/^[-=]+$/.test(p))) assert.ok(htmlText.includes(piece), `${type}/${locale}: "${piece}" is in the text part but not the HTML`);
        }
      });
    }
  }
});
