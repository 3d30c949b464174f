import { formatDecimal } from '../../domain/money.js';
import type { IdentifierKind } from '../../identification/types.js';
import { html, page, type SafeHtml } from '../html.js';

/**
 * The top-up portal's pages (ABillS Paysys interactive mode: "ПОПОЛНЕНИЕ СЧЁТА — Введите свой
 * идентификатор — Дальше", then the sum, then the confirm table with the commission on its own
 * line and the total). Plain forms: no JavaScript, readable without CSS; every field has a label,
 * and an error is listed in a summary at the top (focused first) and next to its field.
 */
export const money = (minor: bigint, currency: string) => `${formatDecimal({ minor, currency })} ${currency}`;

const KIND_WORDS: Record<IdentifierKind, string> = { contract: 'contract number', login: 'login', phone: 'phone number', uid: 'customer number' };

export function identifierLabel(kinds: readonly IdentifierKind[]): string {
  const words = kinds.map((k) => KIND_WORDS[k]);
  const text = words.length > 1 ? `${words.slice(0, -1).join(', ')} or ${words.at(-1) ?? ''}` : (words[0] ?? 'customer number');
  return `Your ${text}`;
}

export interface FieldError {
  field: string;
  message: string;
}

/** The error summary: first in the page and focused, each entry a link to its field. */
function errorSummary(errors: FieldError[]): SafeHtml | string {
  if (!errors.length) return '';
  return html`<div class="error-summary" role="alert" tabindex="-1" autofocus aria-labelledby="error-summary-title">
  <h2 id="error-summary-title">There is a problem</h2>
  <ul>${errors.map((e) => html`<li><a href="#${e.field}">${e.message}</a></li>`)}</ul>
</div>`;
}

/** A labelled text field with its hint and, when wrong, its error, both tied to it by aria-describedby. */
function field(o: { id: string; label: string; hint: string; value: string; error?: string | undefined; inputmode?: string; autocomplete?: string; autofocus?: boolean }): SafeHtml {
  const describedBy = [`${o.id}-hint`, o.error ? `${o.id}-error` : ''].filter(Boolean).join(' ');
  return html`<p><label for="${o.id}">${o.label}</label></p>
  <p id="${o.id}-hint" class="note">${o.hint}</p>
  ${o.error ? html`<p id="${o.id}-error" class="error"><span class="visually-hidden">Error: </span>${o.error}</p>` : ''}
  <p><input id="${o.id}" name="${o.id}" type="text" value="${o.value}" inputmode="${o.inputmode ?? 'text'}" autocomplete="${o.autocomplete ?? 'off'}" aria-describedby="${describedBy}"${o.error ? html` aria-invalid="true"` : ''}${o.autofocus && !o.error ? html` autofocus` : ''} required></p>`;
}

export function identifyPage(o: { form: string; kinds: readonly IdentifierKind[]; error?: string | undefined }): string {
  const errors = o.error ? [{ field: 'account', message: o.error }] : [];
  return page(
    o.error ? 'Error: Top up your account' : 'Top up your account',
    html`${errorSummary(errors)}<div class="card"><h1>Top up your account</h1>
  <form method="post" action="/pay" novalidate>
  <input type="hidden" name="form" value="${o.form}">
  ${field({ id: 'account', label: identifierLabel(o.kinds), hint: 'As written on your contract or invoice.', value: '', error: o.error, autofocus: true })}
  <p><button class="primary" type="submit">Next</button></p>
  </form></div>`,
  );
}

export interface PayerView {
  maskedName: string;
  currency: string;
  balanceMinor: bigint | null;
  recommendedMinor: bigint | null;
}

/** Who was found (masked), their balance and recommended sum, and the sum field with its bounds. */
export function sumPage(o: { form: string; payer: PayerView; minMinor: bigint; maxMinor: bigint; sumText: string; error?: string | undefined }): string {
  const { payer } = o;
  const errors = o.error ? [{ field: 'sum', message: o.error }] : [];
  const bounds = `From ${money(o.minMinor, payer.currency)} to ${money(o.maxMinor, payer.currency)}.`;
  return page(
    o.error ? 'Error: Choose the sum' : 'Choose the sum',
    html`${errorSummary(errors)}<div class="card"><h1>Top up your account</h1>
  <dl>
    <dt>Account</dt><dd>${payer.maskedName || 'Customer'}</dd>
    <dt>Balance</dt><dd>${payer.balanceMinor === null ? 'Not available' : money(payer.balanceMinor, payer.currency)}</dd>
    ${payer.recommendedMinor === null ? '' : html`<dt>Recommended payment</dt><dd>${money(payer.recommendedMinor, payer.currency)}</dd>`}
  </dl>
  <form method="post" action="/pay/sum" novalidate>
  <input type="hidden" name="form" value="${o.form}">
  ${field({ id: 'sum', label: `Sum to top up (${payer.currency})`, hint: bounds, value: o.sumText, error: o.error, inputmode: 'decimal', autofocus: true })}
  <p><button class="primary" type="submit">Next</button></p>
  </form>
  <p><a href="/pay">Not you? Start again</a></p></div>`,
  );
}

export interface Offer {
  gateway: string;
  label: string;
  testMode: boolean;
  /** null: the gateway has no commission (no line is shown). */
  commissionMinor: bigint | null;
  totalMinor: bigint;
}

/**
 * The confirm step: per gateway the sum, its commission on its own line, the total, and its Pay
 * button. The Pay buttons carry `offerForm` (the sum and this page's nonce, sealed), "Change the
 * sum" the payer's `form`.
 */
export function confirmPage(o: { form: string; offerForm: string; payer: PayerView; sumMinor: bigint; offers: Offer[] }): string {
  const { payer } = o;
  const sumText = formatDecimal({ minor: o.sumMinor, currency: payer.currency });
  const offers = o.offers.length
    ? o.offers.map(
        (g, i) => html`<section aria-labelledby="offer-${i}"><h2 id="offer-${i}">${g.label}</h2>
  <table>
    <tr><th scope="row">Account</th><td>${payer.maskedName || 'Customer'}</td></tr>
    <tr><th scope="row">Top-up sum</th><td>${money(o.sumMinor, payer.currency)}</td></tr>
    ${g.commissionMinor === null ? '' : html`<tr><th scope="row">Commission</th><td>${money(g.commissionMinor, payer.currency)}</td></tr>`}
    <tr><th scope="row">Total</th><td>${money(g.totalMinor, payer.currency)}</td></tr>
  </table>
  <form method="post" action="/pay/start">
  <input type="hidden" name="form" value="${o.offerForm}"><input type="hidden" name="gateway" value="${g.gateway}">
  <p><button class="primary" type="submit">Pay ${money(g.totalMinor, payer.currency)} — ${g.label}</button>${g.testMode ? html`<span class="note test-mode"> Test mode: no real money moves.</span>` : ''}</p>
  </form></section>`,
      )
    : [html`<p role="alert">No payment method takes this sum. Please choose another sum.</p>`];
  return page(
    'Confirm the top-up',
    html`<div class="card"><h1>Confirm the top-up</h1>
  <p>${money(o.sumMinor, payer.currency)} will be credited to ${payer.maskedName || 'the account'}. Choose how to pay.</p>
  ${offers}
  <form method="post" action="/pay/sum"><input type="hidden" name="form" value="${o.form}"><input type="hidden" name="sum" value="${sumText}"><input type="hidden" name="edit" value="1">
  <p><button type="submit">Change the sum</button></p></form></div>`,
  );
}

export function messagePage(title: string, text: string, opts: { alert?: boolean; startAgain?: boolean } = {}): string {
  return page(
    title,
    html`<div class="card" role="${opts.alert ? 'alert' : 'status'}"><h1>${title}</h1><p>${text}</p>${opts.startAgain === false ? '' : html`<p><a href="/pay">Start again</a></p>`}</div>`,
  );
}

export function rateLimitedPage(retryAfterSeconds: number): string {
  const minutes = Math.ceil(retryAfterSeconds / 60);
  return messagePage('Too many attempts', `Too many attempts came from your address. Please try again in ${minutes === 1 ? 'a minute' : `${minutes} minutes`}.`, { alert: true });
}
