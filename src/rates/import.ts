import type pg from 'pg';
import { differingRates, insertRates, lockRatesSource } from '../db/exchange-rates.js';
import { rejectInbound } from '../db/inbound-requests.js';
import { inTransaction } from '../db/pool.js';
import { PayloadTooLargeError, UnprocessableContentError, ValidationError } from '../domain/errors.js';
import { isIP } from 'node:net';
import { addressListed, hostListed, type OutboundAllowlist } from '../outbound/addresses.js';
import { type OutboundFailure, outboundUrlProblem, safeRequest, type Resolver } from '../outbound/safe-request.js';
import { parseEcb } from './ecb.js';
import { parseNbp } from './nbp.js';
import { type ImportSource, type ParsedRates, RatesFileError } from './types.js';

export interface RatesImportResult {
  source: ImportSource;
  days: string[];
  /** Rates in the file. */
  rates: number;
  /** Of them, new; the rest were stored already with the same value (the same file twice adds none). */
  inserted: number;
}

/** Where a rates file came from: the request's body, or a URL Tollgate fetched. */
export type RatesFileOrigin = 'body' | 'url';

/**
 * Parses a rates file of `source`; a file that cannot be read is a 422 naming where, and nothing
 * is imported. For a fetched file the 422 names only the place, never what is there: the parsers'
 * reasons quote the text, and a caller with the billing scope must not be able to read any
 * listed host's answer through them.
 */
export function parseRatesFile(source: ImportSource, bytes: Buffer, origin: RatesFileOrigin = 'body'): ParsedRates {
  const fileProblem = (err: RatesFileError) => (origin === 'url' ? fetchedFileProblem(source, err) : bodyFileProblem(err));
  let body: string;
  try {
    body = new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    throw fileProblem(new RatesFileError('the file is not UTF-8 text', 'document'));
  }
  if (body.trim() === '') throw fileProblem(new RatesFileError('the file is empty', 'document'));
  try {
    return source === 'ecb' ? parseEcb(body) : parseNbp(body);
  } catch (err) {
    if (err instanceof RatesFileError) throw fileProblem(err);
    throw err;
  }
}

function fetchedFileProblem(source: ImportSource, err: RatesFileError): UnprocessableContentError {
  return new UnprocessableContentError(
    `the fetched file is not a readable ${source.toUpperCase()} rates file (at ${err.where}; its content is not repeated); nothing was imported`,
    { errors: [{ path: err.where, message: 'cannot be read' }] },
  );
}

function bodyFileProblem(err: RatesFileError): UnprocessableContentError {
  return new UnprocessableContentError(`the rates file cannot be read: ${err.reason} (at ${err.where}); nothing was imported`, {
    errors: [{ path: err.where, message: err.reason }],
  });
}

/**
 * The rates source did not answer with a file: a network error, a timeout, or an HTTP status other
 * than 2xx (a redirect included: none is followed). Still the API's 422 ("the URL could not be
 * fetched"), but journaled `unreachable`, not `rejected_malformed`: nothing came to be malformed.
 */
export class RatesSourceUnreachableError extends UnprocessableContentError {}

/**
 * The source is one Tollgate's own outbound rule refuses to ask: a host not in
 * OUTBOUND_ALLOWED_HOSTS (RatesHostRefusedError: a validation problem, never retried). Journaled
 * `rejected_source` (the journal's outcome for a party Tollgate does not talk to), not
 * `rejected_malformed`: nothing was fetched, so nothing was malformed.
 * RatesAddressRefusedError is safeRequest's `private_address`, which cannot follow today: a host
 * let through by name (or by a listed address) is what safeRequest lets reach a private address
 * (test/integration/exchange-rates.test.ts shows a listed name resolving to 127.0.0.1 fetched).
 * It is mapped all the same, so a change to either rule still journals a refusal as one.
 */
export class RatesHostRefusedError extends ValidationError {}
export class RatesAddressRefusedError extends UnprocessableContentError {}

/** The safeRequest failures that mean the source did not answer with a file (the rest are our own refusals). */
const UNREACHABLE: ReadonlySet<OutboundFailure> = new Set(['unreachable', 'timeout', 'http_status', 'redirect']);

/** A file giving another rate than was imported for the same pair, day and source (a 422, never retried by a scheduled fetch). */
export class RatesContradictionError extends UnprocessableContentError {}

/**
 * Stores a parsed file whole or not at all, in one transaction. A rate already stored for the same
 * pair, day and source is kept; one that differs from it refuses the whole file (422): a central
 * bank does not change a published rate, so a file that does is not that bank's — an operator
 * who must correct a day sets a manual rate, which wins on its day (src/rates/choose.ts).
 */
export async function storeRates(pool: pg.Pool, parsed: ParsedRates): Promise<RatesImportResult> {
  return inTransaction(pool, async (tx) => {
    await lockRatesSource(tx, parsed.source); // before the check, so a concurrent import's rows are seen
    const differing = await differingRates(tx, parsed.source, parsed.rates);
    if (differing.length > 0) {
      const errors = differing.map((d) => ({
        path: `${d.base}/${d.quote} ${d.rate_date}`,
        message: `${d.incoming} in this file, ${d.stored} imported before`,
      }));
      throw new RatesContradictionError(
        `the file gives other rates than the ${parsed.source.toUpperCase()} rates imported before for the same days (first: ${errors[0]?.path}: ${errors[0]?.message}); nothing was imported — set a manual rate to correct a day`,
        { errors },
      );
    }
    const inserted = await insertRates(tx, parsed.source, parsed.rates);
    return { source: parsed.source, days: parsed.days, rates: parsed.rates.length, inserted };
  });
}

/**
 * The one import path of every rates file — an upload, a URL the API fetches, the scheduled fetch
 * (src/activities/exchange-rates.ts): `load` brings the file (and checks what it must first), it is
 * parsed (only its days from `fromDay` on, when `load` names one) and stored whole or not at all,
 * and how it ended is recorded on its journal row
 * `journalId` (channel exchange_rates, journaled before this is called): imported, duplicate (the
 * same file again: nothing new), unreachable (the source did not answer), rejected_source (the
 * outbound rule does not let Tollgate ask it), or refused with why. A
 * failure is thrown on after it is recorded.
 */
export async function importJournaled(
  pool: pg.Pool,
  journalId: bigint,
  load: () => Promise<{ source: ImportSource; bytes: Buffer; url?: string | undefined; fromDay?: string | undefined }>,
): Promise<RatesImportResult> {
  try {
    const { source, bytes, url, fromDay } = await load();
    const parsed = parseRatesFile(source, bytes, url === undefined ? 'body' : 'url');
    const result = await storeRates(pool, fromDay === undefined ? parsed : ratesFrom(parsed, fromDay));
    const detail = `${source} ${result.days[0] ?? ''}…${result.days.at(-1) ?? ''}: ${result.inserted} of ${result.rates} rates new${url ? ` (from ${url.slice(0, 300)})` : ''}`;
    await rejectInbound(pool, journalId, result.inserted > 0 ? 'imported' : 'duplicate', detail);
    return result;
  } catch (err) {
    if (err instanceof PayloadTooLargeError) await rejectInbound(pool, journalId, 'rejected_too_large', err.message);
    else if (err instanceof RatesSourceUnreachableError) await rejectInbound(pool, journalId, 'unreachable', err.message.slice(0, 500));
    else if (err instanceof RatesHostRefusedError || err instanceof RatesAddressRefusedError) await rejectInbound(pool, journalId, 'rejected_source', err.message.slice(0, 500));
    else if (err instanceof UnprocessableContentError || err instanceof ValidationError) await rejectInbound(pool, journalId, 'rejected_malformed', err.message.slice(0, 500));
    throw err;
  }
}

/** Of a file of many days (a catch-up, src/rates/catch-up.ts), the days from `fromDay` on: the earlier ones are stored already. */
export function ratesFrom(parsed: ParsedRates, fromDay: string): ParsedRates {
  return { ...parsed, days: parsed.days.filter((d) => d >= fromDay), rates: parsed.rates.filter((r) => r.date >= fromDay) };
}

/**
 * Why a rates URL may not be fetched under `allow`, in one sentence; undefined when it may: its
 * host must be named in OUTBOUND_ALLOWED_HOSTS even when it is public (or, an address, lie in a
 * listed block).
 */
export function ratesUrlProblem(url: string, allow: OutboundAllowlist): string | undefined {
  const shape = outboundUrlProblem(url);
  if (shape) return `url ${shape}`;
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  if (!hostListed(host, allow) && !(isIP(host) !== 0 && addressListed(host, allow))) {
    return `the host ${host} is not in OUTBOUND_ALLOWED_HOSTS; the operator lists the rates hosts (www.ecb.europa.eu, api.nbp.pl) there`;
  }
  return undefined;
}

/** How long fetching a rates URL may take, connecting to the last byte. */
export const RATES_FETCH_TIMEOUT_MS = 30_000;

export interface RatesFetchPolicy {
  allow: OutboundAllowlist;
  maxBytes: number;
  resolve?: Resolver | undefined;
}

/**
 * Fetches a rates file by URL through safeRequest (no redirects, every resolved address checked,
 * the answer capped). Stricter than safeRequest alone: the URL's host must be named in
 * OUTBOUND_ALLOWED_HOSTS even when it is public, so an API key cannot make Tollgate fetch anything
 * the operator did not list (www.ecb.europa.eu, api.nbp.pl). A refusal is a 422 saying why.
 */
export async function fetchRatesFile(url: string, policy: RatesFetchPolicy): Promise<Buffer> {
  const shape = outboundUrlProblem(url);
  if (shape) throw new ValidationError(`url ${shape}`, { errors: [{ path: 'url', message: shape }] });
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  // An address listed by CIDR block counts when the URL names the address itself.
  const refused = ratesUrlProblem(url, policy.allow);
  if (refused) throw new RatesHostRefusedError(refused, { errors: [{ path: 'url', message: 'host not allowed' }] });
  const res = await safeRequest(
    url,
    { method: 'GET', headers: { accept: 'application/xml, application/json;q=0.9, */*;q=0.1' }, timeoutMs: RATES_FETCH_TIMEOUT_MS, maxResponseBytes: policy.maxBytes },
    { allow: policy.allow, ...(policy.resolve ? { resolve: policy.resolve } : {}) },
  );
  if (!res.ok) {
    if (res.failure === 'too_large') throw new PayloadTooLargeError(`the answer of ${host} is larger than EXCHANGE_RATE_MAX_BYTES (${policy.maxBytes} bytes); nothing was imported`);
    const why = res.failure === 'http_status' ? `answered HTTP ${res.status ?? 0}` : res.failure.replace('_', ' ');
    const problem = UNREACHABLE.has(res.failure) ? RatesSourceUnreachableError : res.failure === 'private_address' ? RatesAddressRefusedError : UnprocessableContentError;
    throw new problem(`fetching the rates file failed: ${host} ${why}; nothing was imported`, { errors: [{ path: 'url', message: res.failure }] });
  }
  return res.body;
}
