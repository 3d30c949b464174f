import { Hono, type Context } from 'hono';
import { DomainError } from '../../domain/errors.js';
import { formatDecimal } from '../../domain/money.js';
import { findPayment } from '../../db/payments.js';
import { decidePortalRequest, journalPortalRequest } from '../../db/portal-journal.js';
import { identificationChannel } from '../../identification/settings.js';
import { matchNote } from '../../identification/types.js';
import type { PortalSettings } from '../../portal/settings.js';
import type { AppEnv } from '../env.js';
import { journalHeaders, readBodyCapped, sourceIp } from '../inbound.js';
import { paymentNotFoundPage, paymentResultPage } from '../payment-result-page.js';
import { createPayment } from '../payments/create-payment.js';
import { claimPortalStart, findPortalStart } from '../../db/portal-starts.js';
import { FORM_TTL_MS, newNonce, openForm, sealForm, type SealedForm } from './form-seal.js';
import { crossSiteReason } from './same-origin.js';
import { confirmPage, identifyPage, messagePage, type PayerView, rateLimitedPage, sumPage } from './portal-views.js';
import { repeatedStartLocation, RepeatedStart, startKeyOf } from './start-once.js';
import { offersFor, readSum } from './top-up.js';

/** What a lookup that finds nothing says, the same whichever identifiers exist. */
export const NOT_FOUND_TEXT = 'We could not find an account for what you entered. Check it and try again.';
const EXPIRED = ['Page expired', 'This page is no longer valid (it was open too long, or it did not come from us). Please start again.'] as const;
const MAX_ACCOUNT_LENGTH = 64;

type Ctx = Context<AppEnv>;

/**
 * The top-up portal (ABillS Paysys interactive mode), for anyone without a token or a login:
 *   GET  /pay                identifier form
 *   POST /pay                lookup (journaled, rate-limited per address) → masked name, balance, sum field
 *   POST /pay/sum            sum within min_sum/max_sum → per-gateway commission and total
 *   POST /pay/start          (journaled, its own limit per address) starts the payment as a payment link
 *                            does (createPayment), 303 to the checkout; once per confirm page and
 *                            gateway: a repeat answers the first's payment (start-once.ts)
 *   GET  /pay/result/:id     the result page the checkout returns to
 * Absent (404) unless the gateways file has an enabled `portal:`.
 * Mounted before /pay/:token, whose tokens are never these words.
 */
export function portalRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  const portalOf = (c: Ctx) => {
    const { config, identifyPayer } = c.get('deps');
    return config.portal?.enabled ? { portal: config.portal, identifyPayer } : undefined;
  };
  const notFound = (c: Ctx) => c.html(messagePage('Page not found', 'There is no top-up page here.', { startAgain: false }), 404);
  const seal = (c: Ctx, form: SealedForm) => sealForm(c.get('deps').config.PORTAL_FORM_SECRET, form);
  const lookupForm = (c: Ctx) => seal(c, { k: 'lookup', exp: c.get('deps').now().getTime() + FORM_TTL_MS });
  const expired = (c: Ctx) => c.html(messagePage(EXPIRED[0], EXPIRED[1], { alert: true }), 400);
  const crossSite = (c: Ctx) =>
    crossSiteReason({ secFetchSite: c.req.header('sec-fetch-site'), origin: c.req.header('origin') }, c.get('deps').config.publicBaseUrl);
  const refused = (c: Ctx) => c.html(messagePage('Request refused', 'This form was sent from another website. Please open the top-up page here and start again.', { alert: true }), 403);
  // The raw form as it came (capped like every body), so the journal keeps what the payer sent.
  const origin = async (c: Ctx) => {
    const { text: body, truncated } = await readBodyCapped(c.req.raw, c.get('deps').config.MAX_BODY_BYTES);
    return { request: { method: c.req.method, path: c.req.path, headers: journalHeaders(c), body, bodyTruncated: truncated, sourceIp: sourceIp(c) }, fields: new URLSearchParams(body) };
  };
  const payerOf = (s: Extract<SealedForm, { k: 'payer' | 'offer' }>): PayerView => ({
    maskedName: s.maskedName,
    currency: s.currency,
    balanceMinor: s.balance === null ? null : BigInt(s.balance),
    recommendedMinor: s.recommended === null ? null : BigInt(s.recommended),
  });
  const openPayer = (c: Ctx, fields: URLSearchParams) => openForm(c.get('deps').config.PORTAL_FORM_SECRET, fields.get('form'), 'payer', c.get('deps').now());
  const sumPageFor = (c: Ctx, portal: PortalSettings, form: string, payer: PayerView, sumText: string, error?: string) =>
    sumPage({ form, payer, minMinor: portal.minSumMinor, maxMinor: portal.maxSumMinor, sumText, error });
  /**
   * The prologue of the two steps that act (a lookup, a start), in this order: journaled and
   * counted before anything else — a refused or malformed request too, since the journal is what
   * the limit counts, so a stranger cannot try faster by sending bad forms — then the per-address
   * limit (429), the origin (403, journaled rejected_source), and the sealed form of this step
   * (400, journaled rejected_malformed). Either the answer to send, or the journal row, the form's
   * fields and its opened seal.
   */
  async function admit<K extends 'lookup' | 'offer'>(
    c: Ctx,
    portal: PortalSettings,
    step: 'lookup' | 'start',
    kind: K,
  ): Promise<{ answer: Response } | { id: bigint; fields: URLSearchParams; state: Extract<SealedForm, { k: K }> }> {
    const deps = c.get('deps');
    const { request, fields } = await origin(c);
    const { id, retryAfterSeconds } = await journalPortalRequest(deps.pool, step, request, portal.rateLimit);
    if (retryAfterSeconds !== null) {
      c.header('retry-after', String(retryAfterSeconds));
      return { answer: c.html(rateLimitedPage(retryAfterSeconds), 429) };
    }
    const foreign = crossSite(c);
    if (foreign) {
      await decidePortalRequest(deps.pool, id, { outcome: 'rejected_source', detail: `cross-site: ${foreign}` });
      return { answer: refused(c) };
    }
    const state = openForm(deps.config.PORTAL_FORM_SECRET, fields.get('form'), kind, deps.now());
    if (!state) {
      await decidePortalRequest(deps.pool, id, { outcome: 'rejected_malformed', detail: 'no valid form token' });
      return { answer: expired(c) };
    }
    return { id, fields, state };
  }

  app.get('/pay', (c) => {
    const found = portalOf(c);
    if (!found) return notFound(c);
    return c.html(identifyPage({ form: lookupForm(c), kinds: found.portal.identification.identifiers }), 200);
  });

  app.post('/pay', async (c) => {
    const found = portalOf(c);
    if (!found) return notFound(c);
    const { portal, identifyPayer } = found;
    const deps = c.get('deps');
    const admitted = await admit(c, portal, 'lookup', 'lookup');
    if ('answer' in admitted) return admitted.answer;
    const { id, fields } = admitted;
    const typed = (fields.get('account') ?? '').trim();
    if (!typed || typed.length > MAX_ACCOUNT_LENGTH) {
      await decidePortalRequest(deps.pool, id, { outcome: 'rejected_malformed', detail: typed ? 'identifier too long' : 'no identifier' });
      const error = typed ? `What you entered is too long (at most ${MAX_ACCOUNT_LENGTH} characters)` : 'Enter your identifier';
      return c.html(identifyPage({ form: lookupForm(c), kinds: portal.identification.identifiers, error }), 400);
    }
    const lookup = await identifyPayer(identificationChannel('portal', portal.identification, portal.minSumMinor), typed);
    if (!lookup.found) {
      await decidePortalRequest(deps.pool, id, { outcome: 'not_identified', detail: lookup.reason });
      if (lookup.reason === 'unavailable') return c.html(messagePage('Try again later', 'We cannot look up accounts right now. Please try again in a few minutes.', { alert: true }), 503);
      // format and not_found answer alike: whether the typed value merely looked wrong is itself a hint.
      return c.html(identifyPage({ form: lookupForm(c), kinds: portal.identification.identifiers, error: NOT_FOUND_TEXT }), 404);
    }
    // A balance in another currency cannot be topped up in the portal's; no balance at all (nothing pushed) can.
    const payable = lookup.active && (lookup.currency === portal.currency || lookup.balanceMinor === null);
    await decidePortalRequest(deps.pool, id, { outcome: 'identified', detail: payable ? matchNote(lookup) : `${matchNote(lookup)}; not payable here`, customerId: lookup.customerId });
    if (!payable) return c.html(messagePage('Cannot top up this account', 'This account cannot be topped up here. Please contact us.', { alert: true }), 409);
    const state: SealedForm = {
      k: 'payer',
      exp: deps.now().getTime() + FORM_TTL_MS,
      customerId: lookup.customerId,
      maskedName: lookup.maskedName,
      currency: portal.currency,
      balance: lookup.balanceMinor === null ? null : lookup.balanceMinor.toString(),
      recommended: lookup.recommendedMinor === null ? null : lookup.recommendedMinor.toString(),
    };
    const payer = payerOf(state);
    const prefill = payer.recommendedMinor === null ? '' : formatDecimal({ minor: clamp(payer.recommendedMinor, portal), currency: portal.currency });
    return c.html(sumPageFor(c, portal, seal(c, state), payer, prefill), 200);
  });

  app.post('/pay/sum', async (c) => {
    const found = portalOf(c);
    if (!found) return notFound(c);
    const { portal } = found;
    if (crossSite(c)) return refused(c); // not journaled: this step neither looks anyone up nor starts anything
    const { fields } = await origin(c);
    const state = openPayer(c, fields);
    if (!state) return expired(c);
    const form = fields.get('form') ?? '';
    const sumText = (fields.get('sum') ?? '').trim().slice(0, 40);
    if (fields.has('edit')) return c.html(sumPageFor(c, portal, form, payerOf(state), sumText), 200);
    const sum = readSum(sumText, portal);
    if ('error' in sum) return c.html(sumPageFor(c, portal, form, payerOf(state), sumText, sum.error), 400);
    const deps = c.get('deps');
    // A fresh nonce per confirm page: its Pay buttons start one payment each, however often sent.
    const offerForm = seal(c, { ...state, k: 'offer', sum: sum.sumMinor.toString(), nonce: newNonce() });
    const offers = offersFor(sum.sumMinor, portal, deps.gateways, deps.config.TOLLGATE_ENV);
    return c.html(confirmPage({ form, offerForm, payer: payerOf(state), sumMinor: sum.sumMinor, offers }), 200);
  });

  app.post('/pay/start', async (c) => {
    const found = portalOf(c);
    if (!found) return notFound(c);
    const { portal } = found;
    const deps = c.get('deps');
    // Starts have a limit of their own (each is a payment and a workflow): a sealed form is no licence to flood.
    const admitted = await admit(c, portal, 'start', 'offer');
    if ('answer' in admitted) return admitted.answer;
    const { id, fields, state } = admitted;
    const gatewayName = (fields.get('gateway') ?? '').slice(0, 100);
    const startKey = startKeyOf(state.nonce, gatewayName);
    const unavailable = (err: DomainError) => {
      c.get('log').warn({ err: err.message }, 'the top-up portal could not start a payment');
      return c.html(messagePage('Payment unavailable', 'The payment could not be started right now. Please try again in a moment.', { alert: true }), 503);
    };
    // A repeat (double-click, reload, Back and the same button) answers the first's payment and
    // makes nothing: no payment, no workflow. Its journal row ('duplicate') does not count against
    // the start limit, which is there to bound payments and workflows (src/db/portal-journal.ts).
    const repeat = async (earlier: { journal_id: bigint; payment_id: string }) => {
      await decidePortalRequest(deps.pool, id, { outcome: 'duplicate', detail: `repeat of start ${earlier.journal_id}`, customerId: state.customerId, paymentId: earlier.payment_id });
      try {
        return c.redirect(await repeatedStartLocation(deps, earlier.payment_id), 303);
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        return unavailable(err);
      }
    };
    const earlier = await findPortalStart(deps.pool, startKey);
    if (earlier) return repeat(earlier);

    const sumMinor = BigInt(state.sum);
    const sumText = formatDecimal({ minor: sumMinor, currency: portal.currency });
    // Sealed under the bounds of its time: an API restarted with other bounds decides anew.
    const sum = readSum(sumText, portal);
    if ('error' in sum) {
      await decidePortalRequest(deps.pool, id, { outcome: 'rejected_malformed', detail: `sum: ${sum.error}`, customerId: state.customerId });
      const { sum: _sum, nonce: _nonce, ...payer } = state;
      return c.html(sumPageFor(c, portal, seal(c, { ...payer, k: 'payer' }), payerOf(state), sumText, sum.error), 400);
    }
    const offer = offersFor(sum.sumMinor, portal, deps.gateways, deps.config.TOLLGATE_ENV).find((o) => o.gateway === gatewayName);
    if (!offer) {
      await decidePortalRequest(deps.pool, id, { outcome: 'rejected_malformed', detail: 'gateway not offered for this sum', customerId: state.customerId });
      return c.html(messagePage('Choose a payment method', 'That payment method is not available for this sum.', { alert: true }), 400);
    }
    try {
      // The same path as a payment link's Pay now: one payment, its event and workflow, then the
      // checkout — with the start key claimed first in the payment's transaction, so that of two
      // racing starts (on any API processes) exactly one makes a payment, and the other waits for it.
      const payment = await createPayment(deps, {
        customerId: state.customerId,
        amountMinor: offer.totalMinor,
        commissionMinor: offer.totalMinor - sum.sumMinor,
        currency: portal.currency,
        gateway: offer.gateway,
        description: 'Account top-up',
        returnUrl: (paymentId) => `${deps.config.publicBaseUrl}/pay/result/${encodeURIComponent(paymentId)}`,
        claim: async (tx, paymentId) => {
          if (!(await claimPortalStart(tx, { startKey, paymentId, customerId: state.customerId, gateway: offer.gateway, journalId: id }))) throw new RepeatedStart();
        },
      });
      await decidePortalRequest(deps.pool, id, { outcome: 'started', detail: offer.gateway, customerId: state.customerId, paymentId: payment.id });
      if (!payment.checkout_url) throw new Error(`payment ${payment.id} has no checkout`);
      return c.redirect(payment.checkout_url, 303);
    } catch (err) {
      if (err instanceof RepeatedStart) {
        const first = await findPortalStart(deps.pool, startKey);
        if (!first) throw new Error('a portal start key is taken but no start is stored under it', { cause: err });
        return repeat(first);
      }
      if (!(err instanceof DomainError)) throw err;
      await decidePortalRequest(deps.pool, id, { outcome: 'rejected_malformed', detail: `not started: ${err.message}`, customerId: state.customerId });
      return unavailable(err);
    }
  });

  app.get('/pay/result/:paymentId', async (c) => {
    if (!portalOf(c)) return notFound(c);
    const payment = await findPayment(c.get('deps').pool, c.req.param('paymentId'));
    if (!payment) return c.html(paymentNotFoundPage(), 404);
    return c.html(paymentResultPage(payment, { againUrl: '/pay' }), 200);
  });

  return app;
}

/** The recommended sum as the field's first value: never outside what the portal takes. */
function clamp(minor: bigint, portal: PortalSettings): bigint {
  return minor < portal.minSumMinor ? portal.minSumMinor : minor > portal.maxSumMinor ? portal.maxSumMinor : minor;
}
